//! # miniapp-dev
//!
//! `miniapp dev`: the browser simulator for mini-program developers. It
//! builds the app, runs one session of it (see `docs/protocol.md`) and
//! serves, on loopback, a page with a device frame, the host's navigation
//! bar and prompts, and panels for the page data, storage, log, network,
//! audit and quotas. Saving a template or a stylesheet re-renders in place;
//! saving Rust code rebuilds and relaunches on the same pages.

mod assets;
mod host;
mod media;
mod reload;
mod server;
mod session;
mod temp_file;
mod uploads;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use miniapp_protocol::listen;
use miniapp_protocol::prompts::{self, PROMPT_TIMEOUT, Prompts};
use miniapp_runtime::{
    App, DeviceFacts, LaunchOptions, Manifest, Package, PackageLimits, Policy, QuotaOverrides,
    Runtime,
};
use serde::Serialize;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};

/// The version of the session protocol this server speaks.
pub use miniapp_protocol::PROTOCOL_VERSION;

/// A device the simulator draws: its name and screen in CSS pixels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    /// Its preset name.
    pub name: &'static str,
    /// Screen width, CSS pixels (750 rpx).
    pub width: u32,
    /// Screen height, CSS pixels.
    pub height: u32,
    /// Its status bar's height, CSS pixels.
    pub status_bar: u32,
}

/// The device presets.
pub const DEVICES: [Device; 4] = [
    Device {
        name: "iphone-12",
        width: 390,
        height: 844,
        status_bar: 47,
    },
    Device {
        name: "iphone-se",
        width: 375,
        height: 667,
        status_bar: 20,
    },
    Device {
        name: "pixel-7",
        width: 412,
        height: 915,
        status_bar: 24,
    },
    Device {
        name: "ipad-mini",
        width: 768,
        height: 1024,
        status_bar: 24,
    },
];

/// The host's navigation bar under the status bar, CSS pixels (as on
/// WeChat; the page draws the same).
pub const NAV_BAR: u32 = 44;

impl Device {
    /// What an app shown in this frame reads through `device`: the window
    /// is the screen below the status and navigation bars, the safe area
    /// the screen below the status bar (as the page's relaunch sends).
    pub fn facts(&self) -> DeviceFacts {
        let top = self.status_bar + NAV_BAR;
        DeviceFacts {
            window_height: self.height.saturating_sub(top).max(1),
            status_bar_height: self.status_bar,
            safe_area: miniapp_runtime::SafeArea {
                left: 0,
                right: self.width,
                top: self.status_bar,
                bottom: self.height,
            },
            ..DeviceFacts::phone(self.width, self.height, 2.0)
        }
    }

    /// The preset `name`, or an error naming the presets.
    pub fn named(name: &str) -> Result<Device, String> {
        DEVICES
            .iter()
            .find(|d| d.name == name)
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = DEVICES.iter().map(|d| d.name).collect();
                format!("no device preset `{name}` (presets: {})", names.join(", "))
            })
    }
}

/// How to run the simulator.
pub struct DevOptions {
    /// A mini-program crate directory (built, and watched for changes) or a
    /// package file.
    pub source: PathBuf,
    /// The port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// The device the page starts with.
    pub device: Device,
    /// The operator policy; by default the app is granted what its
    /// manifest declares.
    pub policy: Option<Policy>,
    /// Addresses and networks (`127.0.0.1`, `::1`, `10.0.0.0/8`) the app may
    /// reach although they are not public, added to the policy's
    /// `defaults.allow_addresses` (a local backend while developing).
    pub allow_addresses: Vec<String>,
    /// Where storage and consent persist.
    pub data_dir: PathBuf,
    /// The launch options of the first launch.
    pub launch: LaunchOptions,
    /// Open on this moment instead of launching (`miniapp replay --open`):
    /// made once the first build loads, on the simulator's own runtime and
    /// package, so the instance it gives is the session's from then on.
    pub open_at: Option<OpenAt>,
}

/// A moment to open the simulator on: given the simulator's runtime and the
/// package it loaded, the instance to show and what the Log panel says of it.
pub type OpenAt = Box<
    dyn FnOnce(
            Runtime,
            Package,
        ) -> std::pin::Pin<Box<dyn Future<Output = Result<Opened, String>> + Send>>
        + Send,
>;

/// What [`OpenAt`] gives: the instance the session starts from (not
/// launched: its page as it is), and host lines for the Log panel (`level`,
/// `source`, `message`), shown to every page until the app is relaunched.
pub struct Opened {
    /// The instance.
    pub instance: miniapp_runtime::AppInstance,
    /// The Log panel's lines about it.
    pub log: Vec<serde_json::Value>,
    /// Why the app is not running, when the instance is discarded (a
    /// trap ended it): the page's banner says it until the next launch.
    pub stopped: Option<String>,
}

/// A running simulator.
pub struct DevServer {
    addr: SocketAddr,
    token: String,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
    _watcher: Option<reload::Watcher>,
}

impl DevServer {
    /// The page's URL, with the run's token.
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/?token={}",
            self.addr.port(),
            self.token
        )
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The run's token (the API and the WebSocket require it).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Serve until the listener fails (or the process ends).
    pub async fn wait(self) -> Result<(), String> {
        match self.serve.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("the simulator's listener failed: {e}")),
            Err(e) => Err(format!("the simulator stopped: {e}")),
        }
    }
}

/// Build the app, start its session and listen; the server runs in the
/// background until the returned handle's [`DevServer::wait`] ends or the
/// process exits. A crate directory whose first build fails (or whose build
/// does not load: a template error) starts all the same: the page shows
/// why, and the app launches when a save builds.
pub async fn start(options: DevOptions) -> Result<DevServer, String> {
    // A page that falls this many frames behind gets the whole state again
    // (frames can be large: a page's view, its storage).
    let (frames, _) = broadcast::channel(64);
    let prompts = Prompts::new(frames.clone());
    let mut loader = Loader {
        policy: options.policy,
        allow_addresses: options.allow_addresses,
        data_dir: options.data_dir,
        frames: frames.clone(),
        prompts: prompts.clone(),
        runtime: None,
    };
    let watched = options.source.is_dir();
    let mut built = None;
    let first = match build_or_read(options.source.clone()).await {
        Ok(package) => {
            built = options.open_at.is_some().then(|| package.clone());
            loader.load(package)
        }
        Err(why) => Err(LoadError::Build(why)),
    };
    // The moment to open on, on the runtime the first build loaded into.
    let opened = match (options.open_at, built, &loader.runtime, &first) {
        (Some(open_at), Some(package), Some(runtime), Ok(_)) => {
            Some(open_at(runtime.clone(), package).await?)
        }
        _ => None,
    };
    let first = match first {
        Ok(loaded) => Ok(loaded),
        // Nothing to watch (a package file), or the host itself cannot run.
        Err(e) if !watched || matches!(e, LoadError::Host(_)) => return Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let (app, assets, component) = match first {
        Ok(loaded) => (Ok(loaded.app), loaded.assets, loaded.component),
        Err(why) => (Err(why), Arc::default(), Vec::new()),
    };
    let about = match &app {
        Ok(app) => about(app.manifest()),
        // The manifest, if it reads, names the app while it does not build.
        Err(_) => miniapp_build::read_manifest(&options.source)
            .map(|m| about(&m))
            .unwrap_or_else(|_| json!({ "id": "", "name": "", "version": "" })),
    };
    let current = std::sync::RwLock::new(app.as_ref().ok().cloned());
    let (commands, queue) = mpsc::channel(64);
    let session = match opened {
        Some(opened) => {
            session::Session::open(app, opened, options.launch, frames.clone(), prompts.clone())
        }
        None => session::Session::start(app, options.launch, frames.clone(), prompts.clone()).await,
    };
    tokio::spawn(session.run(queue));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", options.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let context = Arc::new(server::Context {
        shared: session::Shared {
            commands: commands.clone(),
            frames: frames.clone(),
            prompts,
        },
        token: token(),
        asset_key: token(),
        addr,
        assets: std::sync::RwLock::new(assets),
        csp: CONTENT_SECURITY_POLICY.to_string(),
        device: options.device,
        app: std::sync::RwLock::new(about),
        connections: Arc::new(tokio::sync::Semaphore::new(server::MAX_CONNECTIONS)),
        current,
    });
    let watcher = match watched {
        true => Some(reload::watch(
            &options.source,
            loader,
            context.clone(),
            component,
        )?),
        false => None,
    };
    let token = context.token.clone();
    let router = server::router(context);
    let limits = listen::ConnLimits::defaults(0);
    let serve = tokio::spawn(listen::serve(
        listener,
        router,
        limits,
        |_| {},
        std::future::pending(),
    ));
    Ok(DevServer {
        addr,
        token,
        serve,
        _watcher: watcher,
    })
}

/// The app's id, name and version, as the `hello` frame gives them.
fn about(manifest: &Manifest) -> serde_json::Value {
    json!({ "id": manifest.id, "name": manifest.name, "version": manifest.version })
}

/// A build that loaded.
pub(crate) struct Loaded {
    /// The app.
    pub app: App,
    /// Its package files, by path.
    pub assets: Arc<server::Assets>,
    /// Its component, to tell a template save from a code change.
    pub component: Vec<u8>,
}

/// Why a build did not load.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// The build failed (cargo, the manifest, a template), or the package
    /// file cannot be read.
    #[error("{0}")]
    Build(String),
    /// The runtime refused the app (a template, a missing page, an import).
    #[error("{0}")]
    Refused(String),
    /// The host cannot run (the policy, the data directory, the engine).
    #[error("{0}")]
    Host(String),
}

/// Loads each build into the runtime, which it makes at the first build
/// that loads: its policy, unless the developer gave one, grants what that
/// build's manifest declares.
pub(crate) struct Loader {
    policy: Option<Policy>,
    allow_addresses: Vec<String>,
    data_dir: PathBuf,
    frames: broadcast::Sender<String>,
    prompts: Arc<Prompts>,
    runtime: Option<Runtime>,
}

impl Loader {
    /// Load `package` (making the runtime first if there is none yet).
    pub(crate) fn load(&mut self, package: Package) -> Result<Loaded, LoadError> {
        let runtime = match &self.runtime {
            Some(runtime) => runtime,
            None => {
                let runtime = self
                    .runtime_for(&package.manifest)
                    .map_err(LoadError::Host)?;
                self.runtime.insert(runtime)
            }
        };
        let assets = Arc::new(server::assets_of(&package));
        let component = package.component.clone();
        let app = runtime
            .load(package)
            .map_err(|e| LoadError::Refused(e.to_string()))?;
        Ok(Loaded {
            app,
            assets,
            component,
        })
    }

    /// The runtime: the developer's policy or one granting what `manifest`
    /// declares, with the addresses allowed on the command line.
    fn runtime_for(&self, manifest: &Manifest) -> Result<Runtime, String> {
        let mut policy = match &self.policy {
            Some(policy) => policy.clone(),
            None => granting(manifest),
        };
        (policy.defaults.allow_addresses).extend(self.allow_addresses.iter().cloned());
        let audit = host::PageAudit::open(&self.data_dir, self.frames.clone())?;
        Runtime::builder(&self.data_dir)
            .policy(policy)
            .audit(audit)
            .http_observer(host::PageNetwork::new(self.frames.clone()))
            .providers(prompts::providers(&self.prompts))
            .recording(true)
            .build()
            .map_err(|e| e.to_string())
    }
}

/// The package: a crate directory built (on a blocking thread: cargo), or
/// a package file read.
async fn build_or_read(source: PathBuf) -> Result<Package, String> {
    tokio::task::spawn_blocking(move || {
        if source.is_dir() {
            miniapp_build::build(&source, None, &PackageLimits::default())
                .map(|built| built.package)
                .map_err(|e| e.to_string())
        } else {
            Package::read(&source, &PackageLimits::default())
                .map_err(|e| format!("package {}: {e}", source.display()))
        }
    })
    .await
    .map_err(|e| format!("the build stopped: {e}"))?
}

/// A policy granting what `manifest` declares, with time for the user to
/// answer a prompt within an event (prompts wait up to two minutes).
fn granting(manifest: &Manifest) -> Policy {
    let mut policy = Policy::default();
    policy.grant_declared(manifest);
    let wait = PROMPT_TIMEOUT.as_millis() as u64 + 10_000;
    let overrides = QuotaOverrides {
        event_timeout_ms: Some(wait),
        ..QuotaOverrides::default()
    };
    policy.defaults.quotas = policy.defaults.quotas.then(&overrides);
    policy
}

/// The page's Content-Security-Policy: its own script and styles only;
/// images from itself only (the app's package at `/assets`, its remote
/// images through `/remote`, fetched by the runtime with the app's egress
/// checks); connections to itself.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self'; media-src 'self'; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// A fresh token for this run: 128 bits from the OS, hex.
fn token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}
