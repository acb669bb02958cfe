//! `miniapp dev`: the browser simulator (see the `miniapp-dev` crate).

use std::path::PathBuf;

use clap::Args;
use miniapp_dev::{DevOptions, Device};
use miniapp_runtime::{LaunchOptions, Package, Policy};

use crate::{Failure, out};

#[derive(Args)]
pub struct DevArgs {
    /// A mini-program crate directory (built, and rebuilt when you save) or
    /// a package file.
    source: PathBuf,
    /// The port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The device the page starts with: iphone-12, iphone-se, pixel-7, ipad-mini.
    #[arg(long, default_value = "iphone-12")]
    device: String,
    /// The operator policy (TOML); by default the app is granted what its
    /// manifest declares. With one, the app gets only what the policy grants.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Let the app reach ADDRESS although it is not public, as a local
    /// backend while developing: `127.0.0.1`, `::1`, `localhost` (both), or
    /// a network (`10.0.0.0/8`); its origin must be declared in the
    /// manifest. Operators use the policy's `allow_addresses`.
    #[arg(long = "allow-address", value_name = "ADDRESS")]
    allow_addresses: Vec<String>,
    /// Where storage and consent persist.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The page to launch on, with its query (`index?id=3`).
    #[arg(long, value_name = "PAGE?QUERY")]
    path: Option<String>,
    /// The user, for per-user storage and consent.
    #[arg(long)]
    user: Option<String>,
    /// Open the page in the default browser.
    #[arg(long)]
    open: bool,
}

pub fn dev(args: DevArgs) -> Result<(), Failure> {
    let device =
        Device::named(&args.device).map_err(|e| Failure::input(format!("--device: {e}")))?;
    let policy = match &args.policy {
        Some(path) => Some(Policy::from_file(path).map_err(Failure::input)?),
        None => None,
    };
    let allow_addresses = crate::run::allowed_addresses(&args.allow_addresses)?;
    if let (Some(path), Some(policy)) = (&args.policy, &policy) {
        // What the policy grants, said before the build (whose manifest
        // it is read from; a package file's is in the package).
        let manifest = match args.source.is_dir() {
            true => miniapp_build::read_manifest(&args.source).ok(),
            false => Package::read(&args.source, &Default::default())
                .ok()
                .map(|p| p.manifest),
        };
        if let Some(manifest) = manifest {
            let mut policy = policy.clone();
            (policy.defaults.allow_addresses).extend(allow_addresses.iter().cloned());
            out::error_line(crate::run::policy_line(path, &policy, &manifest)?);
        }
    }
    let launch_device = Some(device.facts());
    let options = DevOptions {
        source: args.source.clone(),
        port: args.port,
        device,
        policy,
        allow_addresses,
        data_dir: crate::run::data_dir(args.data_dir.clone()),
        launch: LaunchOptions {
            path: args.path.clone(),
            user: args.user.clone(),
            device: launch_device,
            ..LaunchOptions::default()
        },
        open_at: None,
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        // A debug build's launch path, its futures polled on the worker's
        // stack, comes near tokio's default 2 MiB: 8 MiB, reserved, not touched.
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()
        .map_err(|e| Failure::app(format!("cannot start the async runtime: {e}")))?;
    tokio.block_on(async {
        // The app's audit file reopens its path on SIGHUP (logrotate).
        crate::serve::logs::reopen_files_on_hangup();
        let server = miniapp_dev::start(options).await.map_err(Failure::input)?;
        out::line(format!("miniapp dev: the simulator is at {}", server.url()));
        out::line("miniapp dev: saving a template re-renders; saving code rebuilds (Ctrl-C stops)");
        if args.open {
            open_browser(&server.url());
        }
        server.wait().await.map_err(Failure::app)
    })
}

/// Ask the desktop to open `url`; say so if it cannot.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        out::error_line(format!(
            "miniapp dev: cannot open a browser ({opener}: {e}); open the URL above"
        ));
    }
}
