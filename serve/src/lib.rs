//! `miniapp serve`: many mini-programs for many users in one host process.
//!
//! A **session** is one user in one app (`POST /v1/sessions`); its instance
//! is a cache, evicted when idle or under memory pressure and relaunched
//! from storage at the next event. Guests share the runtime's execution
//! slots by weighted fair queueing across apps; each app's events are
//! bounded, and work past a bound is refused with 429 and `Retry-After`.
//! The **operator plane** (its own listener, behind tokens) publishes
//! versions, releases them by percentage, rolls back, kills, and exports
//! `/metrics`. The wire protocol is `docs/protocol.md`.

pub mod admission;
pub mod catalog;
pub mod clients;
pub mod driver;
pub mod error;
pub mod host;
pub mod identity;
pub mod metrics;
pub mod operator;
mod operator_audit;
pub mod public;
pub mod recordings;
pub mod session;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use miniapp_protocol::listen::{self, ConnLimits};
use miniapp_runtime::Runtime;

pub use host::{Host, Limits, Opened};
pub use operator::Operators;

/// How often idle instances are looked for.
const EVICTION_PERIOD: Duration = Duration::from_millis(500);

/// Connections the operator listener holds at once; its per-client cap is
/// the public one, at most [`OPERATOR_PER_CLIENT`].
pub const OPERATOR_CONNECTIONS: usize = 128;
/// The operator listener's largest per-client cap.
pub const OPERATOR_PER_CLIENT: usize = 32;

/// The public listener's connection bounds by default: the total is what
/// the descriptor limit leaves after the operator listener and a reserve.
pub fn default_connection_limits() -> ConnLimits {
    ConnLimits::defaults(OPERATOR_CONNECTIONS)
}

/// What a server is started with.
pub struct ServeOptions {
    /// The public listener (sessions).
    pub listen: SocketAddr,
    /// The operator listener.
    pub operator_listen: SocketAddr,
    /// Where the catalog, packages, storage and audit live.
    pub data_dir: PathBuf,
    /// The runtime (built by the caller: policy, providers, storage).
    pub runtime: Runtime,
    /// The runtime's storage: an event is answered after
    /// [`KvStore::persist`](miniapp_runtime::platform::kv::KvStore::persist).
    pub storage: Arc<dyn miniapp_runtime::platform::kv::KvStore>,
    /// Who may use the operator plane.
    pub operators: Operators,
    /// Bounds and timers.
    pub limits: Limits,
    /// Packages to publish at start (as the operator `startup`).
    pub publish: Vec<Vec<u8>>,
    /// Publish those of them that declare what the policy denies (each
    /// denied capability logged as a warning); without it they are refused.
    pub allow_denied: bool,
    /// Where the operator's book and the packages are kept
    /// ([`catalog::FileCatalog`] on one machine).
    pub catalog: Box<dyn catalog::CatalogStore>,
    /// The key session ids are signed with: the same on every node of a
    /// cluster, so any node can take any session.
    pub session_key: [u8; 32],
    /// The public listener's header timeout and connection caps (the
    /// operator listener takes the same timeout and smaller caps).
    pub connections: ConnLimits,
    /// How long both listeners stay open once [`Server::drain`] is called
    /// (`/readyz` answers 503 `draining`, new sessions are refused, events
    /// keep running) before they stop accepting.
    pub drain_delay: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (both listeners:
    /// the session caps and the operator plane's back-off count that
    /// client; see [`clients`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where the user comes from, if the operator's login gateway signs it
    /// ([`identity`]); without it the body's `user` is taken as sent.
    pub identity: Option<identity::Identity>,
}

/// [`ServeOptions::drain_delay`] by default: long enough for a load
/// balancer's readiness probe to see `/readyz` fail.
pub const DEFAULT_DRAIN_DELAY: Duration = Duration::from_secs(5);

/// A running server.
pub struct Server {
    /// Where sessions are served.
    pub public: SocketAddr,
    /// Where the operator plane is served.
    pub operator: SocketAddr,
    host: Arc<Host>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
    drain_delay: Duration,
    /// Set when the listeners stop accepting (the drain delay after
    /// [`Server::drain`]).
    closing: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// Bind both listeners, publish `options.publish`, and serve.
    pub async fn start(options: ServeOptions) -> Result<Server, String> {
        let catalog =
            catalog::Catalog::open(options.catalog).map_err(|e| format!("the catalog: {e}"))?;
        let mut host = Host::new(
            options.runtime,
            options.storage,
            catalog,
            options.limits,
            options.session_key,
        );
        host.identity = options.identity;
        let kept = options.data_dir.join("recordings");
        let recordings = recordings::Recordings::open(&kept, host.limits.recordings, &host.metrics)
            .map_err(|e| format!("the recordings directory {}: {e}", kept.display()))?;
        host.recordings = Some(recordings);
        let host = Arc::new(host);
        let trusted: Arc<[ipnet::IpNet]> = options.trusted_proxies.into();
        for (n, package) in options.publish.iter().enumerate() {
            let (version, warnings) = host
                .catalog
                .publish(
                    &host.runtime,
                    None,
                    package,
                    "startup",
                    options.allow_denied,
                )
                .map_err(|e| format!("package {} to publish: {}", n + 1, e.message))?;
            for warning in warnings {
                tracing::warn!(hash = version.hash, "published with a denied {warning}");
            }
        }
        let bind = |addr: SocketAddr| async move {
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))
        };
        let public = bind(options.listen).await?;
        let operator = bind(options.operator_listen).await?;
        let addrs = (public.local_addr(), operator.local_addr());
        let (Ok(public_addr), Ok(operator_addr)) = addrs else {
            return Err("cannot read the listeners' addresses".into());
        };
        let audit = options.data_dir.join("operator-audit.jsonl");
        let operator_routes = operator::router(host.clone(), options.operators, &audit)
            .map_err(|e| format!("the operator audit file {}: {e}", audit.display()))?;
        let operator_routes = clients::layer(operator_routes, trusted.clone());
        let public_routes = clients::layer(public::router(host.clone()), trusted);
        let closing = tokio::sync::watch::channel(false).0;
        let drained = || {
            let mut closed = closing.subscribe();
            async move {
                let _ = closed.wait_for(|c| *c).await;
            }
        };
        let public_limits = options.connections;
        let operator_limits = ConnLimits {
            per_client: public_limits.per_client.min(OPERATOR_PER_CLIENT),
            total: OPERATOR_CONNECTIONS,
            ..public_limits
        };
        let refused =
            |host: Arc<Host>| move |why: listen::Refusal| host.metrics.refused("", why.reason());
        // `listen::serve` gives handlers the peer address as
        // `ConnectInfo<SocketAddr>`; `clients::layer` makes it the client's
        // (`clients::Client`: a trusted proxy's forwarded address), which
        // the session caps and the operator plane's back-off count.
        let tasks = vec![
            tokio::spawn(listen::serve(
                public,
                public_routes,
                public_limits,
                refused(host.clone()),
                drained(),
            )),
            tokio::spawn(listen::serve(
                operator,
                operator_routes,
                operator_limits,
                refused(host.clone()),
                drained(),
            )),
            tokio::spawn(evict_periodically(host.clone(), closing.subscribe())),
        ];
        Ok(Server {
            public: public_addr,
            operator: operator_addr,
            host,
            tasks,
            drain_delay: options.drain_delay,
            closing,
        })
    }

    /// The server's state (for tests and embedders).
    pub fn host(&self) -> &Arc<Host> {
        &self.host
    }

    /// Drain: at once, `/readyz` answers 503 `draining`, new sessions and
    /// sockets are refused (503 `draining`, `Retry-After`), and sockets
    /// close (1001) after their current event; the listeners stay open for
    /// [`ServeOptions::drain_delay`] (probes, events of existing sessions and
    /// the operator plane are answered), then stop accepting; running
    /// events finish, and [`wait`](Self::wait) returns when every request
    /// is answered.
    pub fn drain(&self) {
        self.host.draining.send_replace(true);
        let closing = self.closing.clone();
        let delay = self.drain_delay;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            closing.send_replace(true);
        });
    }

    /// Wait until the server has drained.
    pub async fn wait(self) -> Result<(), String> {
        for task in self.tasks {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(format!("the server failed: {e}")),
                Err(e) if e.is_cancelled() => {}
                Err(e) => return Err(format!("the server failed: {e}")),
            }
        }
        Ok(())
    }
}

/// Every period until the listeners close: evict what the idle policy
/// says, take the operator's changes other nodes stored, check the
/// storage is reachable, and delete recordings past their age.
async fn evict_periodically(
    host: Arc<Host>,
    mut closing: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(EVICTION_PERIOD) => {}
            _ = closing.wait_for(|c| *c) => return Ok(()),
        }
        host.evict();
        let checked = host.clone();
        let _ = tokio::task::spawn_blocking(move || {
            checked.check_shared_state();
            if let Some(recordings) = &checked.recordings {
                recordings.expire();
            }
        })
        .await;
    }
}
