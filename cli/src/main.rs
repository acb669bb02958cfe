//! `miniapp`: build, run, inspect and scaffold mini-programs.

mod bench;
mod dev;
mod fixture;
mod inspect;
mod load;
mod new;
mod operator;
mod out;
mod render;
mod replay;
mod run;
mod secret;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build, run and inspect miniapp mini-programs.
#[derive(Parser)]
#[command(name = "miniapp", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a mini-program crate for wasm32-wasip2 and pack it with its manifest.
    Build {
        /// The crate directory (holding Cargo.toml and miniapp.toml).
        dir: PathBuf,
        /// Where to write the package (default: beside the compiled component).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Launch a package, dispatch events, print page data and logs.
    Run(run::RunArgs),
    /// Print a page as HTML, rendered from its template and data.
    Render(render::RenderArgs),
    /// Serve the browser simulator for a mini-program on 127.0.0.1.
    Dev(dev::DevArgs),
    /// Serve many mini-programs to many users, with an operator plane.
    Serve(serve::ServeArgs),
    /// Run a local server an example talks to (the chat's rooms, the
    /// shop's catalogue, images and reviews), until Ctrl-C or SIGTERM.
    Fixture(fixture::FixtureArgs),
    /// Show a package's manifest, hash, size, imports and permissions.
    Inspect {
        /// The package file.
        package: PathBuf,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Measure cold start phase by phase, beside baselines measured in the same run.
    Bench(bench::BenchArgs),
    /// Drive a `miniapp serve` with many sessions; report throughput,
    /// latency, errors and memory per session.
    Load(load::LoadArgs),
    /// Drive a running `miniapp serve`'s operator plane: publish, release,
    /// roll back, kill, status, apps (versions by number).
    Operator(operator::OperatorArgs),
    /// Re-run a recording of a failing event (`miniapp operator
    /// recording`) against its package: reproduced or not, the failure, the
    /// page and its data; `--open` shows that moment in the simulator.
    Replay(replay::ReplayArgs),
    /// Compile packages ahead of time into the artifact cache.
    Precompile {
        /// Package files, or directories holding them (`*.miniapp`).
        paths: Vec<PathBuf>,
        /// The data directory (its `cache/` holds the artifacts).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Show why an app is quarantined, or lift its quarantine (an operator action).
    Quarantine {
        /// The app id.
        app: String,
        /// Lift the quarantine.
        #[arg(long)]
        lift: bool,
        /// The data directory the app runs with.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Change a stored consent decision, as the host's settings page does.
    Consent {
        /// The app id.
        app: String,
        /// The scope (user-location, user-info, album, camera, record).
        scope: String,
        /// grant, deny, or reset (forget: the next use asks again).
        #[arg(value_parser = ["grant", "deny", "reset"])]
        decision: String,
        /// The user, if decisions are per user.
        #[arg(long)]
        user: Option<String>,
        /// The data directory the app runs with.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Print the JSON schema of the app manifest (`miniapp.toml`), the
    /// app's `app.json` or the operator's policy (`policy.toml`), for
    /// editors and tools.
    Schema {
        /// Which file.
        #[arg(value_parser = ["manifest", "app-json", "policy"])]
        which: String,
    },
    /// Scaffold a new mini-program crate.
    New {
        /// The directory to create, `NAME` or `DIR/NAME`; its last component
        /// is the crate name (parent directories are created as needed).
        #[arg(value_name = "NAME|DIR/NAME")]
        path: String,
    },
}

/// A command's failure, with its exit code: 1 the app failed or trapped,
/// 2 bad input (arguments, package, manifest, policy).
pub struct Failure {
    code: u8,
    message: String,
    /// Output of a tool that failed (cargo's diagnostics), printed after the
    /// message, line by line.
    detail: Option<String>,
}

impl Failure {
    /// Bad input: exit code 2.
    pub fn input(message: impl ToString) -> Failure {
        Failure {
            code: 2,
            message: message.to_string(),
            detail: None,
        }
    }

    /// The app failed or trapped: exit code 1.
    pub fn app(message: impl ToString) -> Failure {
        Failure {
            code: 1,
            message: message.to_string(),
            detail: None,
        }
    }

    /// The same failure, with a tool's output to print after the message.
    pub fn with_detail(self, detail: impl ToString) -> Failure {
        Failure {
            detail: Some(detail.to_string()),
            ..self
        }
    }

    /// The runtime's error, with the code its kind calls for: its headline
    /// (for a panic, the panic's own message), then its detail (the wasm
    /// trap) on a line of its own.
    pub fn from_runtime(e: miniapp_runtime::Error) -> Failure {
        let failure = if e.is_bad_input() {
            Failure::input(e.headline())
        } else {
            Failure::app(e.headline())
        };
        match e.detail() {
            Some(detail) => failure.with_detail(detail),
            None => failure,
        }
    }
}

/// mimalloc: a server's many threads allocate and free small objects all
/// the time (view trees, frames, JSON), where glibc's allocator spent about
/// a quarter of `miniapp serve`'s CPU in a profile under load. Built
/// without transparent huge pages (`no_thp`): mimalloc asked for them on
/// its arenas, and every page it touched again after returning memory to
/// the OS faulted in a zeroed 2 MiB page, 30% of serve's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Build { dir, output } => build(&dir, output.as_deref()),
        Command::Run(args) => run::run(args),
        Command::Render(args) => render::render(args),
        Command::Dev(args) => dev::dev(args),
        Command::Serve(args) => serve::serve(args),
        Command::Fixture(args) => fixture::fixture(args),
        Command::Inspect { package, json } => inspect::inspect(&package, json),
        Command::New { path } => new::new(&path),
        Command::Schema { which } => {
            let schema = match which.as_str() {
                "manifest" => miniapp_runtime::config::schema::manifest(),
                "app-json" => miniapp_runtime::config::schema::app_json(),
                _ => miniapp_runtime::config::schema::policy(),
            };
            out::host_json_document(&schema);
            Ok(())
        }
        Command::Bench(args) => bench::bench(args),
        Command::Load(args) => load::load(args),
        Command::Operator(args) => operator::operator(args),
        Command::Replay(args) => replay::replay(args),
        Command::Precompile { paths, data_dir } => precompile(&paths, data_dir),
        Command::Consent {
            app,
            scope,
            decision,
            user,
            data_dir,
        } => consent(&app, &scope, &decision, user.as_deref(), data_dir),
        Command::Quarantine {
            app,
            lift,
            data_dir,
        } => quarantine(&app, lift, data_dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // App text (messages, trap reasons) is escaped onto one line.
            out::error_line(format!("error: {}", failure.message));
            // A tool's own lines stay lines, each behind a prefix no host
            // line has.
            for line in failure.detail.iter().flat_map(|d| d.lines()) {
                out::error_line(format!("  | {line}"));
            }
            ExitCode::from(failure.code)
        }
    }
}

fn precompile(paths: &[PathBuf], data_dir: Option<PathBuf>) -> Result<(), Failure> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| Failure::input(format!("cannot read {}: {e}", path.display())))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|e| e == miniapp_runtime::package::EXTENSION)
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        return Err(Failure::input("no packages to precompile"));
    }
    let runtime = miniapp_runtime::Runtime::builder(run::data_dir(data_dir))
        .build()
        .map_err(Failure::from_runtime)?;
    let bar = indicatif::ProgressBar::new(files.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut compiled, mut cached, mut failed) = (0, 0, 0);
    for file in &files {
        bar.set_message(miniapp_runtime::text::printable(&file.display().to_string()).into_owned());
        let result = miniapp_runtime::Package::read(file, runtime.package_limits())
            .map_err(|e| format!("package {}: {e}", file.display()))
            .and_then(|package| runtime.precompile(&package).map_err(|e| e.to_string()));
        match result {
            Ok(true) => compiled += 1,
            Ok(false) => cached += 1,
            Err(e) => {
                failed += 1;
                bar.suspend(|| out::error_line(format!("error: {e}")));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    out::line(format!(
        "{compiled} compiled, {cached} already cached, {failed} failed"
    ));
    if failed > 0 {
        return Err(Failure::input(format!(
            "{failed} of {} packages could not be precompiled",
            files.len()
        )));
    }
    Ok(())
}

fn consent(
    app: &str,
    scope: &str,
    decision: &str,
    user: Option<&str>,
    data_dir: Option<PathBuf>,
) -> Result<(), Failure> {
    use miniapp_runtime::Consent;
    let scope = run::parse_scope(scope)?;
    let consent = match decision {
        "grant" => Consent::Granted,
        "deny" => Consent::Denied,
        _ => Consent::NotAsked,
    };
    let runtime = miniapp_runtime::Runtime::builder(run::data_dir(data_dir))
        .build()
        .map_err(Failure::from_runtime)?;
    runtime
        .set_consent(app, user, scope, consent)
        .map_err(Failure::from_runtime)?;
    out::line(format!("{app}: {scope} set to {decision}"));
    Ok(())
}

fn quarantine(app: &str, lift: bool, data_dir: Option<PathBuf>) -> Result<(), Failure> {
    let runtime = miniapp_runtime::Runtime::builder(run::data_dir(data_dir))
        .build()
        .map_err(Failure::from_runtime)?;
    if lift {
        let lifted = runtime
            .lift_quarantine(app)
            .map_err(Failure::from_runtime)?;
        out::line(format!(
            "{app}: {}",
            if lifted {
                "quarantine lifted"
            } else {
                "was not quarantined"
            }
        ));
    } else {
        match runtime
            .quarantine_reason(app)
            .map_err(Failure::from_runtime)?
        {
            Some(reason) => out::line(format!("{app}: {reason}")),
            None => out::line(format!("{app}: not quarantined")),
        }
    }
    Ok(())
}

fn build(dir: &std::path::Path, output: Option<&std::path::Path>) -> Result<(), Failure> {
    let path = build_package(dir, output)?.1;
    out::line(path.display().to_string());
    Ok(())
}

/// Build the crate in `dir` into a package, written to `output` or beside
/// the component. What the build does (installing the Rust target,
/// compiling) is said in one line each on stderr; on a terminal, rustup's
/// and cargo's progress show there too.
fn build_package(
    dir: &std::path::Path,
    output: Option<&std::path::Path>,
) -> Result<(miniapp_runtime::Package, PathBuf), Failure> {
    use std::io::IsTerminal;

    use miniapp_build::{BuildError, ToolOutput};
    let tools = match std::io::stderr().is_terminal() {
        true => ToolOutput::Shown,
        false => ToolOutput::Captured,
    };
    let built = miniapp_build::build_with(
        dir,
        output,
        &miniapp_runtime::PackageLimits::default(),
        tools,
        &mut |notice| out::error_line(format!("miniapp: {notice}")),
    )
    .map_err(|e| match e {
        BuildError::Cargo { crate_dir, output } => {
            Failure::app(format!("cargo build failed for {crate_dir}")).with_detail(output)
        }
        BuildError::TargetInstall { toolchain, output } => Failure::input(format!(
            "`rustup target add --toolchain {toolchain} {}` failed",
            miniapp_build::TARGET
        ))
        .with_detail(output),
        _ => Failure::input(e),
    })?;
    Ok((built.package, built.path))
}
