//! `miniapp run`: launch a package, dispatch events in order, and print
//! each step's page data and the app's logs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use miniapp_runtime::providers::FixedConsent;
use miniapp_runtime::view::events::ViewEvent;
use miniapp_runtime::view::select::{Selector, outline};
use miniapp_runtime::{
    AppInstance, Capability, DeviceFacts, Event, LaunchOptions, LogRecord, Manifest, OpenRequest,
    Origin, Package, Policy, Providers, Runtime, Scope,
};
use serde_json::{Value, json};

use crate::{Failure, out};

mod fixtures;
mod host_ui;
mod page_event;

#[derive(Args)]
pub struct RunArgs {
    /// The package file, or a mini-program crate directory to build first.
    package: PathBuf,
    /// A user tap to dispatch after launch, in order: PAGE:HANDLER or PAGE:HANDLER=JSON.
    #[arg(long = "event", value_name = "PAGE:HANDLER[=JSON]")]
    events: Vec<String>,
    /// Tap an element of the rendered page, as a user would (`#id`,
    /// `.class`, `tag`, `tag:nth-of-type(n)`); in order with the others.
    #[arg(long = "tap", value_name = "SELECTOR")]
    taps: Vec<String>,
    /// Type TEXT into an element of the rendered page and confirm it, as a
    /// user would (its `input`, then its `confirm` handler).
    #[arg(long = "input", value_name = "SELECTOR=TEXT")]
    inputs: Vec<String>,
    /// Tap tab N (from 0) of the app's tab bar (app.json's `tabBar`), as a
    /// user would; in order with the others.
    #[arg(long = "tab", value_name = "N")]
    tabs: Vec<u32>,
    /// Report a page event about the top page, as a phone would (WeChat's
    /// page events): pull-down, reach-bottom, scroll=PX, share,
    /// share-timeline, resize[=WIDTHxHEIGHT] or theme=light|dark; in order
    /// with the others.
    #[arg(long = "page-event", value_name = "EVENT")]
    page_events: Vec<String>,
    /// Answer the consent prompt for SCOPE with "allow".
    #[arg(long = "grant", value_name = "SCOPE")]
    grants: Vec<String>,
    /// Answer the consent prompt for SCOPE with "deny" (unlisted scopes are denied too).
    #[arg(long = "deny", value_name = "SCOPE")]
    denies: Vec<String>,
    /// Where storage and consent decisions persist between runs.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The operator's policy (default: grant the app what its manifest
    /// declares). With one, the app gets only what the policy grants.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Let the app reach ADDRESS although it is not public, as a local
    /// backend while developing: `127.0.0.1`, `::1`, `localhost` (both), or
    /// a network (`10.0.0.0/8`); its origin must be declared in the
    /// manifest. Operators use the policy's `allow_addresses`.
    #[arg(long = "allow-address", value_name = "ADDRESS")]
    allow_addresses: Vec<String>,
    /// The page to launch on, with its query (default: the home page).
    #[arg(long, value_name = "PAGE[?QUERY]")]
    path: Option<String>,
    /// The user, for per-user storage and consent.
    #[arg(long)]
    user: Option<String>,
    /// The phone the app is shown on: its screen (and window) in CSS
    /// pixels, and its pixel ratio (default 2), e.g. `390x844@3`; the app
    /// reads it through `device` (`wx.getWindowInfo`). Default: 375x667@2.
    #[arg(long, value_name = "WIDTHxHEIGHT[@RATIO]")]
    device: Option<String>,
    /// After the events, keep the app running for up to MS milliseconds
    /// (at most 600000) of wall time, delivering its timers and finished
    /// calls as they fall due, one step per callback; it ends sooner once
    /// nothing is pending. Without it, what is still pending when the
    /// events are done is dropped with the app.
    #[arg(long, value_name = "MS")]
    wait: Option<u64>,
    /// Answer the app's next dialog of that kind, as its user would:
    /// `modal=confirm`, `modal=cancel`, `modal=TEXT` (an editable modal's
    /// typed text, confirmed), `action-sheet=N` (the item, from 0) or
    /// `action-sheet=cancel`; repeatable, used in the order the app opens
    /// its dialogs. An answer reaches the app as a completion: with
    /// `--wait`. A dialog with no answer left fails.
    #[arg(long = "answer", value_name = "DIALOG=ANSWER")]
    answers: Vec<String>,
    /// What the device's sensors and choosers answer: `location=LAT,LON`
    /// (degrees) is the position `location.get-location` gives;
    /// `image=FILE` is the image the user picks in `device-api.choose-image`
    /// (and `choose-media` for images); `video=FILE` the MP4 video they
    /// pick in `device-api.choose-media` (`wx.chooseVideo`).
    #[arg(long = "fixture", value_name = "NAME=VALUE")]
    fixtures: Vec<String>,
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

/// A `--device` phone, `WIDTHxHEIGHT[@RATIO]`, read and checked (range,
/// ratio: the runtime's check of any client's facts) here, before the app
/// is compiled.
fn parse_device(text: &str) -> Result<DeviceFacts, Failure> {
    let bad = || {
        Failure::input(format!(
            "--device `{text}`: expected WIDTHxHEIGHT[@RATIO] in CSS pixels, e.g. 390x844@3"
        ))
    };
    let (size, ratio) = match text.split_once('@') {
        Some((size, ratio)) => (size, ratio.parse::<f64>().map_err(|_| bad())?),
        None => (text, 2.0),
    };
    let (width, height) = size.split_once('x').ok_or_else(bad)?;
    let width = width.parse::<u32>().map_err(|_| bad())?;
    let height = height.parse::<u32>().map_err(|_| bad())?;
    let facts = DeviceFacts::phone(width, height, ratio);
    facts
        .check()
        .map_err(|e| Failure::input(format!("--device `{text}`: {e}")))?;
    Ok(facts)
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

/// The addresses and networks `--allow-address` names, as the policy's
/// `allow_addresses` takes them: `localhost` is `127.0.0.1` and `::1`.
pub fn allowed_addresses(args: &[String]) -> Result<Vec<String>, Failure> {
    let mut allowed = Vec::new();
    for arg in args {
        let text = arg.trim();
        if text.eq_ignore_ascii_case("localhost") {
            allowed.extend(["127.0.0.1".to_string(), "::1".to_string()]);
            continue;
        }
        let valid = match text.split_once('/') {
            Some((ip, prefix)) => {
                let max = match ip.parse::<std::net::IpAddr>() {
                    Ok(std::net::IpAddr::V4(_)) => Some(32),
                    Ok(std::net::IpAddr::V6(_)) => Some(128),
                    Err(_) => None,
                };
                max.is_some_and(|max| prefix.parse::<u8>().is_ok_and(|p| p <= max))
            }
            None => text.parse::<std::net::IpAddr>().is_ok(),
        };
        if !valid {
            return Err(Failure::input(format!(
                "--allow-address `{arg}`: expected an IP address (`127.0.0.1`, `::1`), \
                 `localhost`, or a network (`10.0.0.0/8`)"
            )));
        }
        allowed.push(text.to_string());
    }
    Ok(allowed)
}

/// One line saying what the policy at `path` grants `manifest`'s app, and
/// which of the manifest's requests it leaves out: with `--policy` the
/// manifest grants nothing by itself.
pub fn policy_line(path: &Path, policy: &Policy, manifest: &Manifest) -> Result<String, Failure> {
    let grants = policy
        .grants_for(manifest)
        .map_err(|e| Failure::input(format!("policy {}: {e}", path.display())))?;
    let origin_granted =
        |text: &String| Origin::parse(text).is_ok_and(|o| grants.origins.contains(&o));
    let mut granted = Vec::new();
    let mut left = Vec::new();
    for capability in &manifest.permissions {
        let name = capability.name().to_string();
        match grants.capabilities.contains(capability) {
            true if *capability == Capability::Http => {
                let origins: Vec<&str> = (manifest.origins.iter())
                    .filter(|o| origin_granted(o))
                    .map(String::as_str)
                    .collect();
                granted.push(match origins.is_empty() {
                    true => "http (no origins)".to_string(),
                    false => format!("http (origins {})", origins.join(", ")),
                });
            }
            true => granted.push(name),
            false if !policy.host.capabilities.contains(capability) => {
                left.push(format!("{name}, which the host does not offer"))
            }
            false => left.push(name),
        }
    }
    if grants.capabilities.contains(&Capability::Http) {
        for origin in manifest.origins.iter().filter(|o| !origin_granted(o)) {
            left.push(format!("origin {origin}"));
        }
    }
    if !grants.addresses.is_empty() {
        let addresses: Vec<String> = grants.addresses.iter().map(|a| a.to_string()).collect();
        granted.push(format!("non-public addresses {}", addresses.join(", ")));
    }
    let policy_name = path.display();
    let app = &manifest.id;
    let (said, other) = match granted.is_empty() {
        true => (format!("policy {policy_name} grants app {app} nothing"), ""),
        false => (
            format!(
                "policy {policy_name} grants app {app}: {}",
                granted.join(", ")
            ),
            "other ",
        ),
    };
    Ok(match left.is_empty() {
        true if manifest.permissions.is_empty() => {
            format!("{said}; its manifest requests no permissions")
        }
        true => format!("{said}; that is all its manifest requests"),
        false => format!(
            "{said}; the manifest's {other}requests ({}) are not granted (with --policy, only \
             what the policy grants holds)",
            left.join(", ")
        ),
    })
}

/// One thing `miniapp run` does after the launch.
enum Step {
    /// `--event`: straight to the app.
    Event(Event),
    /// `--tap`: through the view.
    Tap(String, Selector),
    /// `--input`: through the view.
    Input(String, Selector, String),
    /// `--tab`: a tap on the tab bar.
    Tab(u32),
    /// `--page-event`: what the phone reports about the top page.
    PageEvent(String, Vec<miniapp_runtime::ClientPageEvent>),
}

/// The steps in the order the command line gives them (clap keeps each
/// flag's values in order, not their order across flags).
fn steps(args: &RunArgs) -> Result<Vec<Step>, Failure> {
    let mut events = args.events.iter();
    let mut taps = args.taps.iter();
    let mut inputs = args.inputs.iter();
    let mut tabs = args.tabs.iter();
    let mut page_events = args.page_events.iter();
    let selector = |flag: &str, text: &str| {
        Selector::parse(text).map_err(|e| Failure::input(format!("--{flag} `{text}`: {e}")))
    };
    let mut steps = Vec::new();
    let flags: Vec<String> = std::env::args().skip(1).collect();
    let order = flags.iter().filter_map(|arg| {
        ["event", "tap", "input", "tab", "page-event"]
            .into_iter()
            .find(|f| *arg == format!("--{f}") || arg.starts_with(&format!("--{f}=")))
    });
    for flag in order
        .chain(std::iter::repeat_n("event", args.events.len()))
        .chain(std::iter::repeat_n("tap", args.taps.len()))
        .chain(std::iter::repeat_n("input", args.inputs.len()))
        .chain(std::iter::repeat_n("tab", args.tabs.len()))
        .chain(std::iter::repeat_n("page-event", args.page_events.len()))
    {
        let step = match flag {
            "event" => events.next().map(|e| parse_event(e).map(Step::Event)),
            "tap" => taps
                .next()
                .map(|t| Ok(Step::Tap(t.clone(), selector("tap", t)?))),
            "tab" => tabs.next().map(|index| Ok(Step::Tab(*index))),
            "page-event" => {
                (page_events.next()).map(|e| Ok(Step::PageEvent(e.clone(), page_event::parse(e)?)))
            }
            _ => inputs.next().map(|i| {
                let (target, text) = i.split_once('=').ok_or_else(|| {
                    Failure::input(format!("--input `{i}`: expected SELECTOR=TEXT"))
                })?;
                Ok(Step::Input(
                    target.to_string(),
                    selector("input", target)?,
                    text.to_string(),
                ))
            }),
        };
        if let Some(step) = step {
            steps.push(step?);
        }
    }
    Ok(steps)
}

/// Do `step` on `instance`; returns its name.
async fn take_step(instance: &mut AppInstance, step: &Step) -> Result<String, (String, StepError)> {
    match step {
        Step::Event(event) => {
            let name = format!("event {}:{}", event.page, event.handler);
            match instance.dispatch(event).await {
                Ok(()) => Ok(name),
                Err(e) => Err((name, StepError::App(e))),
            }
        }
        Step::Tap(text, selector) => {
            let name = format!("tap {text}");
            let node = find(instance, text, selector).map_err(|e| (name.clone(), e))?;
            let event = ViewEvent {
                node: node.0,
                kind: "tap".into(),
                detail: json!({}),
            };
            match instance.dispatch_view(&event).await {
                // A share button's tap: the host's share sheet.
                Ok(()) => Ok(page_event::with_share_sheet(name, instance)),
                Err(e) => Err((name, StepError::App(e))),
            }
        }
        Step::Tab(index) => {
            let name = format!("tab {index}");
            match instance.tap_tab(*index).await {
                Ok(()) => Ok(name),
                Err(e) => Err((name, StepError::App(e))),
            }
        }
        Step::PageEvent(text, events) => (page_event::report(instance, text, events).await)
            .map_err(|(name, e)| (name, StepError::App(e))),
        Step::Input(target, selector, text) => {
            let name = format!("input {target}");
            let (node, bound) = find(instance, target, selector).map_err(|e| (name.clone(), e))?;
            // The text always goes in (the host keeps it for a form
            // submit, as a browser keeps it in the field); then a confirm
            // where one is bound, as when the user presses enter.
            let confirm = bound.iter().any(|b| b == "confirm");
            let kinds = std::iter::once("input").chain(confirm.then_some("confirm"));
            for kind in kinds {
                let event = ViewEvent {
                    node,
                    kind: kind.into(),
                    detail: json!({ "value": text }),
                };
                if let Err(e) = instance.dispatch_view(&event).await {
                    return Err((name, StepError::App(e)));
                }
            }
            Ok(name)
        }
    }
}

/// Why a step failed: the app (or the runtime), or the command line.
enum StepError {
    App(miniapp_runtime::Error),
    Input(String),
}

/// The node `selector` names on the rendered page, and the events bound on it.
fn find(
    instance: &AppInstance,
    text: &str,
    selector: &Selector,
) -> Result<(u32, Vec<String>), StepError> {
    let tree = instance.view_tree().ok_or_else(|| {
        StepError::Input(format!(
            "`{text}`: the page has no rendered view (no template)"
        ))
    })?;
    let element = selector
        .find(tree)
        .ok_or_else(|| StepError::Input(format!("`{text}`: no element on the page matches")))?;
    Ok((
        element.id,
        element.events.iter().map(|b| b.event.clone()).collect(),
    ))
}

/// The longest `--wait`: ten minutes.
const MAX_WAIT_MS: u64 = 600_000;

/// `--wait MS`, checked.
fn wait_time(ms: Option<u64>) -> Result<Option<Duration>, Failure> {
    match ms {
        Some(ms) if ms > MAX_WAIT_MS => Err(Failure::input(format!(
            "--wait {ms}: at most {MAX_WAIT_MS} ms (ten minutes)"
        ))),
        ms => Ok(ms.map(Duration::from_millis)),
    }
}

/// `--wait`: deliver the app's completions as they fall due, each printed
/// as a step, until `wait` has passed or nothing is left pending; a
/// completion that fails ends the run as a failed event does.
async fn deliver_completions(
    instance: &mut AppInstance,
    wait: Duration,
    printer: &Printer,
) -> Result<(), Failure> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        while tokio::time::Instant::now() < deadline
            && let Some(done) = instance.complete_next().await
        {
            if let Err(e) = done {
                printer.failed(COMPLETION, &instance.drain_logs(), &e);
                return Err(Failure::from_runtime(e));
            }
            host_ui_drawn().await;
            printer.completion(instance);
        }
        let pending = (instance.budget()).is_some_and(|b| b.timers > 0 || b.pending_calls > 0);
        if !pending {
            return Ok(());
        }
        let wake = instance.wake();
        tokio::select! {
            () = wake.wait() => {}
            () = tokio::time::sleep_until(deadline) => return Ok(()),
        }
    }
}

/// Let the dialogs a step opened be drawn before it is printed: the host
/// draws a dialog when its call's task first runs, which is after the
/// callback returned (one yield runs every task that is ready).
async fn host_ui_drawn() {
    tokio::task::yield_now().await;
}

/// The name of a completion's step.
const COMPLETION: &str = "completion";

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let steps = steps(&args)?;
    let wait = wait_time(args.wait)?;
    let answers = (args.answers.iter())
        .map(|a| host_ui::parse_answer(a))
        .collect::<Result<Vec<_>, _>>()?;
    if !answers.is_empty() && wait.is_none() {
        return Err(Failure::input(
            "--answer: a dialog's answer reaches the app as a completion, after the events; \
             add --wait MS to deliver it",
        ));
    }
    let ui = host_ui::RunUi::answering(answers);
    let (simulator, device_services) = fixtures::simulator(&args.fixtures)?;
    let device = args.device.as_deref().map(parse_device).transpose()?;
    let allowed = allowed_addresses(&args.allow_addresses)?;
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
    let mut policy = match &args.policy {
        Some(path) => Policy::from_file(path).map_err(Failure::input)?,
        None => {
            let mut policy = Policy::default();
            policy.grant_declared(&package.manifest);
            policy
        }
    };
    (policy.defaults.allow_addresses).extend(allowed);
    if let Some(path) = &args.policy {
        out::error_line(policy_line(path, &policy, &package.manifest)?);
    }
    let providers = Providers {
        consent: Arc::new(FixedConsent::granting(granted)),
        host_ui: ui.provider(),
        device: Arc::new(device_services),
        ..Providers::simulated(simulator)
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
            device,
            ..LaunchOptions::default()
        };
        let printer = Printer {
            json: args.json,
            ui: ui.clone(),
        };
        let result = async {
            let mut instance = match app.launch(options).await {
                Ok(instance) => instance,
                Err(e) => {
                    printer.failed("launch", &[], &e);
                    return Err(Failure::from_runtime(e));
                }
            };
            host_ui_drawn().await;
            printer.step("launch", &mut instance);
            for step in &steps {
                let taken = take_step(&mut instance, step).await;
                host_ui_drawn().await;
                match taken {
                    Ok(name) => printer.step(&name, &mut instance),
                    Err((name, StepError::App(e))) => {
                        printer.failed(&name, &instance.drain_logs(), &e);
                        return Err(Failure::from_runtime(e));
                    }
                    Err((_, StepError::Input(message))) => return Err(Failure::input(message)),
                }
            }
            match wait {
                Some(wait) => deliver_completions(&mut instance, wait, &printer).await,
                None => Ok(()),
            }
        }
        .await;
        match ui.unused() {
            0 => {}
            1 => out::error_line("warning: 1 --answer was not used: no dialog of its kind took it"),
            n => out::error_line(format!(
                "warning: {n} --answer were not used: no dialog of their kind took them"
            )),
        }
        if args.usage {
            match app.usage() {
                Ok(usage) => printer.usage(&usage),
                Err(e) => out::error_line(format!("warning: cannot read usage: {e}")),
            }
        }
        result
    })
}

/// The page stack, `index > detail`.
fn stack(instance: &AppInstance) -> String {
    let routes: Vec<_> = instance.pages().iter().map(|p| p.route.as_str()).collect();
    routes.join(" > ")
}

/// The subpackages a step sent, one line each (text).
fn sub_packages(loads: &[miniapp_runtime::PackageLoad]) {
    for load in loads {
        let by = serde_json::to_value(load.by).unwrap_or_default();
        out::line(format!(
            "   subpackage {} sent ({} on page {}: {} files to fetch, {} bytes)",
            load.root,
            by.as_str().unwrap_or(""),
            load.page,
            load.files.len(),
            load.bytes
        ));
    }
}

/// Prints steps as text or JSON lines.
struct Printer {
    json: bool,
    /// What the host drew, taken with each step.
    ui: host_ui::RunUi,
}

impl Printer {
    fn step(&self, step: &str, instance: &mut AppInstance) {
        let logs = instance.drain_logs();
        let opened = instance.take_open_requests();
        let ops = instance.take_view_ops();
        // The subpackages this step's page sent (its own, its preloads).
        let packages = instance.take_package_loads();
        // A step that succeeded leaves a live instance (a trap fails it).
        let route = instance.pages().last().map_or("", |p| p.route.as_str());
        let data = instance.page_data();
        let drawn = self.ui.take_drawn();
        if self.json {
            let line = json!({
                "subpackages": packages,
                "step": step,
                "app": instance.app_id(),
                "ok": true,
                "pages": instance.pages().iter().map(|p| &p.route).collect::<Vec<_>>(),
                "page": route,
                "window": instance.shown_window(),
                "tab_bar": instance.tab_bar(),
                "data": data,
                "logs": logs,
                "open_requests": opened,
                "host_ui": drawn,
                "html": instance.view_html(),
                "ops": ops,
                "view_error": instance.view_error(),
            });
            out::json(&line);
            return;
        }
        out::line(format!("== {step}"));
        self.logs(step, &logs);
        host_ui::print_drawn(&drawn);
        self.opened(&opened);
        out::line(format!("   pages [{}]", stack(instance)));
        sub_packages(&packages);
        out::labelled_json("   data  ", data);
        if let Some(error) = instance.view_error() {
            out::line(format!("   view  not rendered: {error}"));
        }
        if let Some(tree) = instance.view_tree() {
            for (i, line) in outline(tree).iter().enumerate() {
                let label = if i == 0 { "   view  " } else { "         " };
                out::line(format!("{label}{line}"));
            }
        }
    }

    /// A completion's step: in JSON an event's step; in text one line (its
    /// pages and data), then its logs and what it opened.
    fn completion(&self, instance: &mut AppInstance) {
        if self.json {
            return self.step(COMPLETION, instance);
        }
        let logs = instance.drain_logs();
        let opened = instance.take_open_requests();
        instance.take_view_ops();
        let label = format!("== {COMPLETION}  pages [{}]  data ", stack(instance));
        out::labelled_json(&label, instance.page_data());
        sub_packages(&instance.take_package_loads());
        self.logs(COMPLETION, &logs);
        host_ui::print_drawn(&self.ui.take_drawn());
        self.opened(&opened);
        if let Some(error) = instance.view_error() {
            out::line(format!("   view  not rendered: {error}"));
        }
    }

    /// The mini-programs a step asked to open (text).
    fn opened(&self, opened: &[OpenRequest]) {
        for request in opened {
            match &request.path {
                Some(path) => out::line(format!(
                    "   open mini-program {} (path {path})",
                    request.app_id
                )),
                None => out::line(format!("   open mini-program {}", request.app_id)),
            }
        }
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
            "   http {} calls, {} B  denials {}  quota hits {}  audit records dropped {}  traps [{}]",
            usage.http_calls,
            usage.http_bytes,
            usage.denials,
            usage.quota_hits,
            usage.audit_records_dropped,
            traps.join(" ")
        ));
        out::line(format!(
            "   completions {}  calls cancelled {}  timers set {}  other calls pending {}",
            usage.completions, usage.calls_cancelled, usage.timers, usage.pending_calls
        ));
    }

    /// A step that failed, with the logs it wrote (under the step's heading
    /// in text, so they are not read as the previous step's); in text the
    /// error itself is left to the `error:` line.
    fn failed(&self, step: &str, logs: &[LogRecord], error: &miniapp_runtime::Error) {
        let drawn = self.ui.take_drawn();
        let quiet = logs.is_empty() && drawn.is_empty();
        if !self.json && !quiet {
            out::line(format!("== {step}"));
        }
        self.logs(step, logs);
        if self.json {
            let line =
                json!({"step": step, "ok": false, "error": error.to_string(), "host_ui": drawn});
            out::json(&line);
        } else {
            host_ui::print_drawn(&drawn);
        }
    }
}
