//! `miniapp run`: launch a package, dispatch events in order, and print
//! each step's page data and the app's logs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use miniapp_runtime::providers::{FixedConsent, Simulator};
use miniapp_runtime::{
    AppInstance, Event, LaunchOptions, LogRecord, Package, Policy, Providers, Runtime, Scope,
};
use serde_json::{Value, json};

use crate::{Failure, out};

#[derive(Args)]
pub struct RunArgs {
    /// The package file, or a mini-program crate directory to build first.
    package: PathBuf,
    /// A user tap to dispatch after launch, in order: PAGE:HANDLER or PAGE:HANDLER=JSON.
    #[arg(long = "event", value_name = "PAGE:HANDLER[=JSON]")]
    events: Vec<String>,
    /// Answer the consent prompt for SCOPE with "allow".
    #[arg(long = "grant", value_name = "SCOPE")]
    grants: Vec<String>,
    /// Answer the consent prompt for SCOPE with "deny" (unlisted scopes are denied too).
    #[arg(long = "deny", value_name = "SCOPE")]
    denies: Vec<String>,
    /// Where storage and consent decisions persist between runs.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The operator's policy (default: grant the app what its manifest declares).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The page to launch on, with its query (default: the home page).
    #[arg(long, value_name = "PAGE[?QUERY]")]
    path: Option<String>,
    /// The user, for per-user storage and consent.
    #[arg(long)]
    user: Option<String>,
    /// Print one JSON object per line.
    #[arg(long)]
    json: bool,
    /// Print the app's usage figures at the end.
    #[arg(long)]
    usage: bool,
}

pub fn parse_scope(name: &str) -> Result<Scope, Failure> {
    Scope::parse(name).ok_or_else(|| {
        let known: Vec<_> = Scope::ALL.iter().map(|s| s.name()).collect();
        Failure::input(format!(
            "unknown scope `{name}` (known: {})",
            known.join(", ")
        ))
    })
}

fn parse_event(text: &str) -> Result<Event, Failure> {
    let bad = |why: &str| Failure::input(format!("--event `{text}`: {why}"));
    let (target, detail) = match text.split_once('=') {
        Some((target, json)) => {
            let detail: Value = serde_json::from_str(json)
                .map_err(|e| bad(&format!("the detail is not JSON: {e}")))?;
            (target, detail)
        }
        None => (text, Value::Null),
    };
    let (page, handler) = target
        .split_once(':')
        .filter(|(p, h)| !p.is_empty() && !h.is_empty())
        .ok_or_else(|| bad("expected PAGE:HANDLER[=JSON]"))?;
    Ok(Event::tap(page, handler).with_detail(detail))
}

fn default_data_dir() -> PathBuf {
    match std::env::var_os("HOME") {
        Some(home) => Path::new(&home).join(".local/share/miniapp"),
        None => PathBuf::from(".miniapp-data"),
    }
}

/// The data directory: `--data-dir`, or the user's default one.
pub fn data_dir(arg: Option<PathBuf>) -> PathBuf {
    arg.unwrap_or_else(default_data_dir)
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let events = args
        .events
        .iter()
        .map(|e| parse_event(e))
        .collect::<Result<Vec<_>, _>>()?;
    let granted = args
        .grants
        .iter()
        .map(|s| parse_scope(s))
        .collect::<Result<Vec<_>, _>>()?;
    for scope in &args.denies {
        let scope = parse_scope(scope)?;
        if granted.contains(&scope) {
            return Err(Failure::input(format!(
                "scope `{scope}` is both granted and denied"
            )));
        }
    }
    let package = if args.package.is_dir() {
        // A crate directory: build it first, for a fast edit-run loop.
        crate::build_package(&args.package, None)?.0
    } else {
        Package::read(&args.package, &Default::default())
            .map_err(|e| Failure::input(format!("package {}: {e}", args.package.display())))?
    };
    let policy = match &args.policy {
        Some(path) => Policy::from_file(path).map_err(Failure::input)?,
        None => {
            let mut policy = Policy::default();
            policy.grant_declared(&package.manifest);
            policy
        }
    };
    let providers = Providers {
        consent: Arc::new(FixedConsent::granting(granted)),
        ..Providers::simulated(Simulator::default())
    };
    let runtime = Runtime::builder(data_dir(args.data_dir.clone()))
        .policy(policy)
        .providers(providers)
        .build()
        .map_err(Failure::from_runtime)?;
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::app(format!("cannot start the async runtime: {e}")))?;
    tokio.block_on(async {
        let app = runtime.load(package).map_err(Failure::from_runtime)?;
        let options = LaunchOptions {
            path: args.path.clone(),
            user: args.user.clone(),
            ..LaunchOptions::default()
        };
        let printer = Printer { json: args.json };
        let result = async {
            let mut instance = match app.launch(options).await {
                Ok(instance) => instance,
                Err(e) => {
                    printer.failed("launch", &[], &e);
                    return Err(Failure::from_runtime(e));
                }
            };
            printer.step("launch", &mut instance);
            for event in &events {
                let step = format!("event {}:{}", event.page, event.handler);
                if let Err(e) = instance.dispatch(event).await {
                    printer.failed(&step, &instance.drain_logs(), &e);
                    return Err(Failure::from_runtime(e));
                }
                printer.step(&step, &mut instance);
            }
            Ok(())
        }
        .await;
        if args.usage {
            match app.usage() {
                Ok(usage) => printer.usage(&usage),
                Err(e) => out::error_line(format!("warning: cannot read usage: {e}")),
            }
        }
        result
    })
}

/// Prints steps as text or JSON lines.
struct Printer {
    json: bool,
}

impl Printer {
    fn step(&self, step: &str, instance: &mut AppInstance) {
        let logs = instance.drain_logs();
        let opened = instance.take_open_requests();
        // A step that succeeded leaves a live instance (a trap fails it).
        let route = instance.pages().last().map_or("", |p| p.route.as_str());
        let data = instance.page_data();
        if self.json {
            let line = json!({
                "step": step,
                "app": instance.app_id(),
                "ok": true,
                "pages": instance.pages().iter().map(|p| &p.route).collect::<Vec<_>>(),
                "page": route,
                "data": data,
                "logs": logs,
                "open_requests": opened,
            });
            out::json(&line);
            return;
        }
        out::line(format!("== {step}"));
        self.logs(step, &logs);
        for request in opened {
            match &request.path {
                Some(path) => out::line(format!(
                    "   open mini-program {} (path {path})",
                    request.app_id
                )),
                None => out::line(format!("   open mini-program {}", request.app_id)),
            }
        }
        let stack: Vec<_> = instance.pages().iter().map(|p| p.route.as_str()).collect();
        out::line(format!("   pages [{}]", stack.join(" > ")));
        out::labelled_json("   data  ", data);
    }

    fn logs(&self, step: &str, logs: &[LogRecord]) {
        if logs.is_empty() {
            return;
        }
        if self.json {
            out::json(&json!({"step": step, "logs": logs}));
            return;
        }
        for record in logs {
            let level = serde_json::to_value(record.level).unwrap_or_default();
            let source = serde_json::to_value(record.source).unwrap_or_default();
            // One line per record: a line break in the message is escaped,
            // so it cannot start a line that looks like the host's.
            out::line(format!(
                "   log   {:<5} {:<6} {}",
                level.as_str().unwrap_or(""),
                source.as_str().unwrap_or(""),
                record.message
            ));
        }
    }

    fn usage(&self, usage: &miniapp_runtime::Usage) {
        if self.json {
            out::json(&json!({"step": "usage", "usage": usage}));
            return;
        }
        let traps: Vec<String> = usage
            .traps
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect();
        out::line("== usage");
        out::line(format!(
            "   events {}  cpu {:.3} ms  fuel {}  memory high-water {} B  host memory high-water {} B  storage {} B in {} keys",
            usage.events,
            usage.cpu_ns as f64 / 1e6,
            usage.fuel_consumed,
            usage.memory_high_water_bytes,
            usage.host_memory_high_water_bytes,
            usage.storage_bytes,
            usage.storage_keys
        ));
        out::line(format!(
            "   http {} calls, {} B  denials {}  quota hits {}  traps [{}]",
            usage.http_calls,
            usage.http_bytes,
            usage.denials,
            usage.quota_hits,
            traps.join(" ")
        ));
    }

    /// A step that failed, with the logs it wrote (under the step's heading
    /// in text, so they are not read as the previous step's); in text the
    /// error itself is left to the `error:` line.
    fn failed(&self, step: &str, logs: &[LogRecord], error: &miniapp_runtime::Error) {
        if !self.json && !logs.is_empty() {
            out::line(format!("== {step}"));
        }
        self.logs(step, logs);
        if self.json {
            out::json(&json!({"step": step, "ok": false, "error": error.to_string()}));
        }
    }
}
