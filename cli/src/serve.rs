//! `miniapp serve`: many apps for many users, with an operator plane (see
//! the `miniapp-serve` crate and `docs/protocol.md`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use miniapp_protocol::listen::{
    ConnLimits, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_PER_CLIENT,
};
use miniapp_runtime::audit::JsonLinesAudit;
use miniapp_runtime::platform::LoggedAudit;
use miniapp_runtime::platform::kv::{KvStore, RedbStore};
use miniapp_runtime::{Package, Policy, Runtime};
use miniapp_serve::clients::SessionCaps;
use miniapp_serve::identity::Identity;
use miniapp_serve::{Limits, Operators, ServeOptions, Server};

use crate::{Failure, out};

pub mod logs;

#[derive(Args)]
pub struct ServeArgs {
    /// Where sessions are served.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Where the operator plane is served (keep it off the public network).
    #[arg(long, default_value = "127.0.0.1:8081")]
    operator_listen: SocketAddr,
    /// Where the catalog, packages, storage, consent and audit live.
    #[arg(long, value_name = "DIR", default_value = ".miniapp-serve")]
    data_dir: PathBuf,
    /// The operator policy (TOML): what the platform grants each app.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The operators' tokens: `NAME TOKEN` per line, or one token. Each must
    /// carry 128 bits (make one with --new-token). Else the file named by
    /// MINIAPP_OPERATOR_TOKEN_FILE, else the tokens in MINIAPP_OPERATOR_TOKEN.
    #[arg(long, value_name = "FILE")]
    operator_token_file: Option<PathBuf>,
    /// Print a fresh operator token (32 random bytes, hex) and exit.
    #[arg(long, exclusive = true)]
    new_token: bool,
    /// Packages (or crate directories, built first) to publish at start.
    #[arg(long, value_name = "PACKAGE")]
    publish: Vec<PathBuf>,
    /// Grant the apps given with --publish what their manifests declare, on
    /// top of the policy (development and benchmarks).
    #[arg(long)]
    grant_declared: bool,
    /// Publish the apps given with --publish even if they declare
    /// capabilities or origins the policy denies (each logged as a warning);
    /// without it (or --grant-declared) such an app stops the start.
    #[arg(long)]
    allow_denied: bool,
    /// Sessions open at once.
    #[arg(long, default_value_t = Limits::default().max_sessions)]
    max_sessions: usize,
    /// Live instances at once (the least recently used are evicted past it).
    #[arg(long, default_value_t = Limits::default().max_live)]
    max_live: usize,
    /// Events of one app waiting or running at once, at most: the ceiling
    /// of its admission queue, whose bound is its measured rate times
    /// --latency-budget-ms (429 past it).
    #[arg(long, default_value_t = Limits::default().app_queue)]
    app_queue: usize,
    /// Events of all apps waiting or running at once, at most: the ceiling
    /// of the node's admission queue.
    #[arg(long, default_value_t = Limits::default().node_queue)]
    node_queue: usize,
    /// Milliseconds admitted work may wait and run: each admission queue
    /// holds what it served in this time (1 to 60,000).
    #[arg(long, default_value_t = Limits::default().latency_budget.as_millis() as u64)]
    latency_budget_ms: u64,
    /// Seconds a hidden session's instance is kept.
    #[arg(long, default_value_t = Limits::default().keep_hidden.as_secs())]
    keep_hidden_secs: u64,
    /// Seconds an instance without events is kept.
    #[arg(long, default_value_t = Limits::default().idle.as_secs())]
    idle_secs: u64,
    /// Resident memory, MiB, past which instances are evicted.
    #[arg(long)]
    memory_mib: Option<u64>,
    /// Bytes of push frames the long-poll logs of all sessions on this
    /// node keep together; past it the app holding the most loses its
    /// oldest pushes first. Default: the policy's `[sessions]
    /// push_log_bytes`, else 256 MiB.
    #[arg(long, value_name = "BYTES")]
    push_log_bytes: Option<u64>,
    /// PostgreSQL shared by the nodes of a cluster (`postgres://user@host:port/db`):
    /// storage, consent, the catalog and packages, the session key live
    /// there; without it, in the data directory. A URL with a password
    /// belongs in --database-url-file or the environment, not here.
    #[arg(long, value_name = "URL", conflicts_with = "database_url_file")]
    database: Option<String>,
    /// The file whose first line is --database's URL. Else the file named
    /// by MINIAPP_DATABASE_URL_FILE, else the URL in MINIAPP_DATABASE_URL.
    #[arg(long, value_name = "FILE")]
    database_url_file: Option<PathBuf>,
    /// Apply the database's schema migrations first (never done silently:
    /// without it a node refuses a database behind its schema).
    #[arg(long)]
    migrate: bool,
    /// Connections to the database.
    #[arg(long, default_value_t = 16)]
    db_connections: usize,
    /// Seconds a request's head may take to arrive; also how long a
    /// kept-alive connection may idle between requests (both listeners).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_HEADER_TIMEOUT.as_secs())]
    header_timeout_secs: u64,
    /// Seconds a request's body may take to arrive once its head has (both
    /// listeners); then it is cut off (400) and the connection closed.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_BODY_TIMEOUT.as_secs())]
    body_timeout_secs: u64,
    /// Plain HTTP connections at once from one client address (a WebSocket
    /// leaves the count once upgraded); the operator listener takes at most 32.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PER_CLIENT)]
    max_connections_per_client: usize,
    /// Connections at once on the public listener, WebSockets included
    /// (default: the open-file limit less 256 kept for the operator
    /// listener, the database and files).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Seconds both listeners stay open after SIGTERM while `/readyz`
    /// answers 503 `draining` and new sessions are refused (503 `draining`,
    /// `Retry-After`); events of open sessions, `/healthz` and the operator
    /// plane are answered. Then the listeners close, running events finish,
    /// and the process exits 0. 0 closes them at once.
    #[arg(long, value_name = "S", default_value_t = miniapp_serve::DEFAULT_DRAIN_DELAY.as_secs())]
    drain_secs: u64,
    /// A proxy (CIDR or address; repeatable) whose `X-Forwarded-For` names
    /// the client: the right-most entry not itself a trusted proxy. The
    /// session caps and the operator plane's back-off count that client.
    #[arg(long, value_name = "CIDR")]
    trusted_proxy: Vec<String>,
    /// Sessions one client address may hold on this node (IPv6: its /64);
    /// 429 past it. Default: the policy's `[sessions] per_client`, else 1024.
    #[arg(long, value_name = "N")]
    max_sessions_per_client: Option<usize>,
    /// Sessions (one per app) one user may hold on this node; 429 past it.
    /// Default: the policy's `[sessions] per_user`, else 64.
    #[arg(long, value_name = "N")]
    max_sessions_per_user: Option<usize>,
    /// Take the user from this header, signed by the operator's login
    /// gateway (`USER.EXPIRY.HEX-HMAC-SHA256`, docs/protocol.md); a
    /// request without a valid one is refused 401, a body `user` that
    /// differs 403. Needs --identity-key.
    #[arg(long, value_name = "NAME", requires = "identity_key")]
    identity_header: Option<String>,
    /// The file whose first line is the key the gateway signs with (128
    /// bits or more, as an operator token: `miniapp serve --new-token`).
    #[arg(long, value_name = "FILE", requires = "identity_header")]
    identity_key: Option<PathBuf>,
}

/// The session caps: the flags, else the policy's, else the defaults.
fn session_caps(args: &ServeArgs, policy: &Policy) -> Result<SessionCaps, Failure> {
    let pick = |flag: Option<usize>, policy: Option<u32>, default: usize, name: &str| match flag
        .or(policy.map(|n| n as usize))
        .unwrap_or(default)
    {
        0 => Err(Failure::input(format!(
            "--{name} must be 1 or more (0 would refuse every session)"
        ))),
        n => Ok(n),
    };
    Ok(SessionCaps {
        per_client: pick(
            args.max_sessions_per_client,
            policy.sessions.per_client,
            miniapp_serve::clients::DEFAULT_PER_CLIENT,
            "max-sessions-per-client",
        )?,
        per_user: pick(
            args.max_sessions_per_user,
            policy.sessions.per_user,
            miniapp_serve::clients::DEFAULT_PER_USER,
            "max-sessions-per-user",
        )?,
    })
}

/// The node's bound on its push logs: the flag, else the policy's, else
/// the default; 0 refused.
fn push_log_bytes(args: &ServeArgs, policy: &Policy) -> Result<usize, Failure> {
    let bytes = args.push_log_bytes.or(policy.sessions.push_log_bytes);
    match bytes.map(usize::try_from) {
        None => Ok(miniapp_serve::session::DEFAULT_NODE_PUSH_BYTES),
        Some(Ok(0)) => Err(Failure::input(
            "--push-log-bytes must be 1 or more (0 would keep no push for a long poll)",
        )),
        Some(Ok(n)) => Ok(n),
        Some(Err(_)) => Err(Failure::input(
            "--push-log-bytes is more than this machine can address",
        )),
    }
}

/// The login gateway's identity header and key, if given.
fn identity(args: &ServeArgs) -> Result<Option<Identity>, Failure> {
    let (Some(header), Some(path)) = (&args.identity_header, &args.identity_key) else {
        return Ok(None);
    };
    let text = crate::secret::read_file(path, "identity key").map_err(Failure::input)?;
    let Some(key) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Err(Failure::input(format!(
            "the identity key file {} is empty (make a key with `miniapp serve --new-token`)",
            path.display()
        )));
    };
    Identity::new(header, key)
        .map(Some)
        .map_err(|e| Failure::input(format!("--identity-key {}: {e}", path.display())))
}

/// The `--trusted-proxy` networks.
fn trusted_proxies(args: &ServeArgs) -> Result<Vec<miniapp_serve::clients::IpNet>, Failure> {
    (args.trusted_proxy.iter())
        .map(|text| {
            miniapp_serve::clients::parse_trusted(text)
                .map_err(|e| Failure::input(format!("--trusted-proxy: {e}")))
        })
        .collect()
}

/// Where a node keeps what it shares: storage, the catalog, the session key,
/// the audit stream (`None`: the data directory's `audit.jsonl`).
struct Shared {
    storage: Arc<dyn KvStore>,
    audit: Option<Arc<dyn miniapp_runtime::audit::AuditSink>>,
    catalog: Box<dyn miniapp_serve::catalog::CatalogStore>,
    session_key: [u8; 32],
}

/// The database's, or the data directory's.
fn shared(args: &ServeArgs) -> Result<Shared, Failure> {
    let database =
        crate::secret::database_url(args.database.as_deref(), args.database_url_file.as_deref())
            .map_err(Failure::input)?;
    let Some(url) = &database else {
        if args.migrate {
            return Err(Failure::input(
                "--migrate needs a database: --database, --database-url-file, \
                 MINIAPP_DATABASE_URL_FILE or MINIAPP_DATABASE_URL",
            ));
        }
        // Group commit: many events' writes share one sync of the disk.
        let storage = RedbStore::open_group_committed(&args.data_dir.join("storage.redb"))
            .map_err(|e| Failure::app(format!("storage: {e}")))?;
        let catalog = miniapp_serve::catalog::FileCatalog::open(&args.data_dir.join("catalog"))
            .map_err(|e| Failure::input(format!("the catalog: {e}")))?;
        let key = miniapp_serve::session::session_key_file(&args.data_dir.join("session.key"))
            .map_err(|e| Failure::input(format!("the session key: {e}")))?;
        return Ok(Shared {
            storage: Arc::new(storage),
            audit: None,
            catalog: Box::new(catalog),
            session_key: key,
        });
    };
    let db = miniapp_pg::Database::connect(url, args.db_connections).map_err(Failure::input)?;
    if args.migrate {
        let applied = db.migrate().map_err(Failure::app)?;
        tracing::info!(?applied, "database migrations applied");
    }
    db.check_schema().map_err(Failure::input)?;
    let db = Arc::new(db);
    Ok(Shared {
        storage: Arc::new(miniapp_pg::PgKvStore::new(db.clone())),
        audit: Some(Arc::new(miniapp_pg::PgAudit::new(db.clone()))),
        catalog: Box::new(miniapp_pg::PgCatalog::new(db.clone())),
        session_key: db.session_key().map_err(Failure::app)?,
    })
}

pub fn serve(args: ServeArgs) -> Result<(), Failure> {
    if args.new_token {
        out::line(miniapp_serve::operator::token::new_token());
        return Ok(());
    }
    let tokens = crate::secret::operator_tokens(args.operator_token_file.as_deref())
        .map_err(Failure::input)?;
    let Some(tokens) = tokens else {
        return Err(Failure::input(
            "the operators' tokens are needed: --operator-token-file FILE, \
             MINIAPP_OPERATOR_TOKEN_FILE or MINIAPP_OPERATOR_TOKEN",
        ));
    };
    logs::init_json();
    let operators = Operators::parse(&tokens.text, &tokens.source).map_err(Failure::input)?;
    let packages = packages(&args.publish)?;
    let mut policy = match &args.policy {
        Some(path) => Policy::from_file(path).map_err(Failure::input)?,
        None => Policy::default(),
    };
    if args.grant_declared {
        for package in &packages {
            policy.grant_declared(&package.manifest);
        }
    }
    let sessions = session_caps(&args, &policy)?;
    let trusted_proxies = trusted_proxies(&args)?;
    let identity = identity(&args)?;
    let limits = Limits {
        sessions,
        max_sessions: args.max_sessions,
        max_live: args.max_live,
        app_queue: args.app_queue.max(1),
        node_queue: args.node_queue.max(1),
        latency_budget: latency_budget(&args)?,
        keep_hidden: Duration::from_secs(args.keep_hidden_secs),
        idle: Duration::from_secs(args.idle_secs),
        memory_bytes: args.memory_mib.map(|m| m * 1024 * 1024),
        push_log_bytes: push_log_bytes(&args, &policy)?,
        recordings: miniapp_serve::recordings::Bounds::from_policy(&policy.recordings),
        ..Limits::default()
    };
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|e| Failure::input(format!("--data-dir {}: {e}", args.data_dir.display())))?;
    let Shared {
        storage,
        audit,
        catalog,
        session_key,
    } = shared(&args)?;
    // The apps' audit: the database's, or `audit.jsonl` (rotated by size and
    // day, reopened on SIGHUP); their traps and denials logged too.
    let audit = match audit {
        Some(audit) => audit,
        None => Arc::new(
            JsonLinesAudit::open(&args.data_dir.join("audit.jsonl"))
                .map_err(|e| Failure::input(format!("the audit file: {e}")))?,
        ),
    };
    let runtime = Runtime::builder(&args.data_dir)
        .audit(Arc::new(LoggedAudit::new(audit)))
        .kv_store(storage.clone())
        .policy(policy)
        .providers(miniapp_protocol::prompts::session_providers())
        .recording(true)
        .max_live_instances(u32::try_from(limits.max_live + 64).unwrap_or(u32::MAX))
        .build()
        .map_err(|e| Failure::app(format!("cannot start the runtime: {e}")))?;
    let publish = (packages.iter())
        .map(|p| p.to_bytes().map_err(|e| Failure::input(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let options = ServeOptions {
        listen: args.listen,
        operator_listen: args.operator_listen,
        data_dir: args.data_dir.clone(),
        runtime,
        storage,
        operators,
        limits,
        publish,
        allow_denied: args.allow_denied,
        session_key,
        catalog,
        connections: ConnLimits {
            header_timeout: Duration::from_secs(args.header_timeout_secs.max(1)),
            body_timeout: Duration::from_secs(args.body_timeout_secs.max(1)),
            per_client: args.max_connections_per_client.max(1),
            total: (args.max_connections)
                .unwrap_or(miniapp_serve::default_connection_limits().total)
                .max(1),
        },
        drain_delay: Duration::from_secs(args.drain_secs),
        trusted_proxies,
        identity,
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        // A debug build's launch path, its futures polled on the worker's
        // stack, comes near tokio's default 2 MiB: 8 MiB, reserved, not touched.
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()
        .map_err(|e| Failure::app(format!("cannot start the async runtime: {e}")))?;
    tokio.block_on(async {
        logs::reopen_files_on_hangup();
        // Handled before the listeners are announced: a SIGTERM right after
        // the line must drain, not kill by the default action.
        let stop = stopped()?;
        let server = Server::start(options).await.map_err(Failure::input)?;
        out::line(format!(
            "miniapp serve: sessions at http://{}, operator at http://{}",
            server.public, server.operator
        ));
        stop.await;
        tracing::info!(
            drain_secs = args.drain_secs,
            "draining: /readyz 503, no new sessions; the listeners close after the delay, running events finish"
        );
        server.drain();
        server.wait().await.map_err(Failure::app)?;
        tracing::info!("drained");
        Ok(())
    })
}

/// The packages to publish: files read, crate directories built.
fn packages(paths: &[PathBuf]) -> Result<Vec<Package>, Failure> {
    paths
        .iter()
        .map(|path| match path.is_dir() {
            true => Ok(crate::build_package(path, None)?.0),
            false => Package::read(path, &Default::default())
                .map_err(|e| Failure::input(format!("package {}: {e}", path.display()))),
        })
        .collect()
}

/// SIGTERM or Ctrl-C: both handlers are installed when this returns, so a
/// signal that comes before the future is awaited is not lost.
pub(crate) fn stopped() -> Result<impl std::future::Future<Output = ()>, Failure> {
    use tokio::signal::unix::{SignalKind, signal};
    let cannot = |e: std::io::Error| Failure::app(format!("cannot handle signals: {e}"));
    let mut term = signal(SignalKind::terminate()).map_err(cannot)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(cannot)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// `--latency-budget-ms`, within 1 ms to a minute.
fn latency_budget(args: &ServeArgs) -> Result<Duration, Failure> {
    match args.latency_budget_ms {
        1..=60_000 => Ok(Duration::from_millis(args.latency_budget_ms)),
        n => Err(Failure::input(format!(
            "--latency-budget-ms {n}: must be 1 to 60000 (milliseconds admitted work may wait and run)"
        ))),
    }
}
