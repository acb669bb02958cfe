//! Serving a listener with bounds, for the simulator and for `miniapp
//! serve`'s two listeners.
//!
//! axum's `serve` gives hyper no timer, so hyper's header-read timeout never
//! fires: a client sending one header byte every few seconds held its
//! connection as long as it liked. Here each connection is served by hyper
//! with a timer and a header-read timeout, which also bounds the idle time
//! between requests on a kept-alive connection (hyper starts it whenever it
//! waits for a request head). Connections are capped per client address
//! and in total; one over a cap gets a short `503` with `Retry-After` if the
//! socket takes it at once, and is closed. A connection upgraded to a
//! WebSocket leaves its client's count (sessions are bounded elsewhere) but
//! stays in the total, since it still holds a file descriptor.
//!
//! Past the total cap, [`PROBE_RESERVE`] more connections are taken for
//! health and readiness probes alone ([`PROBE_PATHS`]): a listener full of
//! slow or many clients still answers its `/healthz` and `/readyz`, while
//! any other request on such a connection gets the `503`. A probe
//! connection serves one request, and its head must arrive within
//! [`PROBE_HEADER_TIMEOUT`]. (A client past its own cap is refused
//! outright: the prober is another address, which that cap leaves alone.)

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::Request;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_service::Service;

/// The default header-read timeout (and idle time between requests).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time a request's body may take to arrive, from its head on.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// The default cap on plain HTTP connections from one client address.
pub const DEFAULT_PER_CLIENT: usize = 256;
/// File descriptors kept out of the connection caps derived from the
/// process's limit: for the database, files, logs and the other listener.
pub const DESCRIPTOR_RESERVE: usize = 128;

/// What a listener bounds.
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// How long a request head may take to arrive, from the connection (or
    /// the end of the previous response) on.
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive once its head has: a
    /// body still arriving then is cut off (the handler reading it fails,
    /// a JSON handler answers 400) and the connection closed.
    pub body_timeout: Duration,
    /// Plain HTTP connections at once from one client address (an IPv6
    /// client is its /64).
    pub per_client: usize,
    /// Connections at once, WebSockets included.
    pub total: usize,
}

impl ConnLimits {
    /// The defaults, the total being what the descriptor limit leaves after
    /// `others` descriptors and [`DESCRIPTOR_RESERVE`].
    pub fn defaults(others: usize) -> ConnLimits {
        ConnLimits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            per_client: DEFAULT_PER_CLIENT,
            total: total_from_descriptors(others),
        }
    }
}

/// Why a connection was refused (a metrics label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Its client has [`ConnLimits::per_client`] connections.
    PerClient,
    /// The listener has [`ConnLimits::total`] connections.
    Total,
}

impl Refusal {
    /// The label: `connections_per_client` or `connections_total`.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::PerClient => "connections_per_client",
            Refusal::Total => "connections_total",
        }
    }
}

/// The process's soft limit on open file descriptors, if it has one.
#[cfg(not(unix))]
pub fn descriptor_limit() -> Option<usize> {
    None
}

/// The process's soft limit on open file descriptors, if it has one.
#[cfg(unix)]
pub fn descriptor_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if read != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    usize::try_from(limit.rlim_cur).ok()
}

/// Connections a listener may hold: the descriptor limit less `others` and
/// [`DESCRIPTOR_RESERVE`], at least 16 (65,536 without a limit).
pub fn total_from_descriptors(others: usize) -> usize {
    match descriptor_limit() {
        Some(limit) => limit.saturating_sub(others + DESCRIPTOR_RESERVE).max(16),
        None => 65_536,
    }
}

/// Connections taken past the caps for probes alone.
pub const PROBE_RESERVE: usize = 8;
/// The paths a connection of the probe reserve may ask for.
pub const PROBE_PATHS: [&str; 2] = ["/healthz", "/readyz"];
/// The longest a probe connection's request head may take.
pub const PROBE_HEADER_TIMEOUT: Duration = Duration::from_secs(2);

/// What a refused connection is sent, if its socket takes it at once.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\n\
content-type: text/plain\r\ncontent-length: 20\r\nconnection: close\r\n\r\n\
too many connections";

/// The connections a listener holds.
struct Counts {
    limits: ConnLimits,
    state: Mutex<(usize, HashMap<IpAddr, usize>)>,
    /// Connections of the probe reserve open.
    probes: Mutex<usize>,
}

impl Counts {
    /// A place for a connection from `client`, or why not.
    fn admit(self: &Arc<Self>, client: IpAddr) -> Result<Place, Refusal> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (total, by_client) = &mut *state;
        if *total >= self.limits.total {
            return Err(Refusal::Total);
        }
        let count = by_client.entry(client).or_default();
        if *count >= self.limits.per_client {
            return Err(Refusal::PerClient);
        }
        *count += 1;
        *total += 1;
        Ok(Place {
            counts: self.clone(),
            client: Mutex::new(Some(client)),
            probe: None,
        })
    }

    /// A place in the probe reserve for a connection refused for `why`,
    /// if that is the total cap and a place is free.
    fn reserve(self: &Arc<Self>, why: Refusal) -> Option<Place> {
        let mut probes = self.probes.lock().unwrap_or_else(|e| e.into_inner());
        if why != Refusal::Total || *probes >= PROBE_RESERVE {
            return None;
        }
        *probes += 1;
        Some(Place {
            counts: self.clone(),
            client: Mutex::new(None),
            probe: Some(why),
        })
    }
}

/// A connection's place in the counts, given back when dropped.
struct Place {
    counts: Arc<Counts>,
    /// The client it counts against, until it is upgraded.
    client: Mutex<Option<IpAddr>>,
    /// In the probe reserve (for probes alone), refused by the caps for this.
    probe: Option<Refusal>,
}

impl Place {
    /// Leave the client's count (the connection is a WebSocket now).
    fn leave_client(&self) {
        let client = self.client.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(client) = client {
            let mut state = (self.counts.state.lock()).unwrap_or_else(|e| e.into_inner());
            forget(&mut state.1, client);
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if self.probe.is_some() {
            let mut probes = (self.counts.probes.lock()).unwrap_or_else(|e| e.into_inner());
            *probes -= 1;
            return;
        }
        self.leave_client();
        let mut state = (self.counts.state.lock()).unwrap_or_else(|e| e.into_inner());
        state.0 -= 1;
    }
}

/// One connection less from `client`.
fn forget(by_client: &mut HashMap<IpAddr, usize>, client: IpAddr) {
    if let Some(count) = by_client.get_mut(&client) {
        *count -= 1;
        if *count == 0 {
            by_client.remove(&client);
        }
    }
}

/// The address a client is counted by: an IPv6 client is its /64 (an
/// IPv4-mapped one its IPv4 address).
pub fn client_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
        v4 => v4,
    }
}

/// Serve `router` on `listener` within `limits` until `shutdown`, then wait
/// for the requests in flight (like `axum::serve(..).with_graceful_shutdown`).
/// Handlers can take the peer address as `ConnectInfo<SocketAddr>`.
/// `refused` is told of each connection refused.
pub async fn serve<F, R>(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    refused: R,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
    R: Fn(Refusal) + Send + Sync + 'static,
{
    let counts = Arc::new(Counts {
        limits,
        state: Mutex::new((0, HashMap::new())),
        probes: Mutex::new(0),
    });
    let refused = Arc::new(refused);
    let (stop, stopped) = watch::channel(false);
    // Each connection holds a receiver; the loop waits until none is left.
    let (open_tx, open_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of descriptors or memory: let some close (the reserve
                // keeps this rare), as axum does.
                Err(e) if !is_connection_error(&e) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(_) => continue,
            },
            () = &mut shutdown => break,
        };
        let place = match counts.admit(client_key(peer.ip())) {
            Ok(place) => Arc::new(place),
            Err(why) => match counts.reserve(why) {
                Some(place) => Arc::new(place),
                None => {
                    refused(why);
                    let _ = tcp.try_write(BUSY);
                    drop(tcp);
                    continue;
                }
            },
        };
        let probe = place.probe;
        // Frames are small and answered at once: no Nagle delay (with the
        // peer's delayed ACK it adds 40 ms to an answer sent in two writes).
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let upgraded = place.clone();
        let refused_here = refused.clone();
        let body_timeout = limits.body_timeout;
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let mut request = request.map(|body| Body::new(Deadline::new(body, body_timeout)));
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            let upgraded = upgraded.clone();
            let not_a_probe = !PROBE_PATHS.contains(&request.uri().path());
            let refused = refused_here.clone();
            async move {
                if let (Some(why), true) = (probe, not_a_probe) {
                    refused(why);
                    return Ok(busy());
                }
                let response = router.call(request).await;
                if let Ok(response) = &response
                    && response.status() == axum::http::StatusCode::SWITCHING_PROTOCOLS
                {
                    upgraded.leave_client();
                }
                response
            }
        });
        let mut stopped = stopped.clone();
        let open = open_rx.clone();
        let timeout = match probe {
            Some(_) => limits.header_timeout.min(PROBE_HEADER_TIMEOUT),
            None => limits.header_timeout,
        };
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(timeout)
                .keep_alive(probe.is_none());
            let connection = builder
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            let mut stopping = false;
            loop {
                tokio::select! {
                    _ = connection.as_mut() => break,
                    _ = stopped.wait_for(|s| *s), if !stopping => {
                        stopping = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(open);
            // An upgraded connection's socket lives on in its WebSocket
            // task: it keeps its place in the total until then.
            drop(place);
        });
    }
    drop(listener);
    stop.send_replace(true);
    drop(open_rx);
    open_tx.closed().await;
    Ok(())
}

/// A request body that must arrive within its timeout: past it, reading
/// it fails with an error saying so.
struct Deadline {
    body: Incoming,
    timeout: Duration,
    expires: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl Deadline {
    fn new(body: Incoming, timeout: Duration) -> Deadline {
        Deadline {
            body,
            timeout,
            expires: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl hyper::body::Body for Deadline {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<hyper::body::Bytes>, Self::Error>>> {
        use std::task::Poll;
        let this = self.get_mut();
        if let Poll::Ready(frame) = std::pin::Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match this.expires.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(format!(
                "the request body did not arrive within {} s of its head",
                this.timeout.as_secs_f64()
            )
            .into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The answer to a request other than a probe on a probe connection.
fn busy() -> axum::response::Response {
    let mut response =
        axum::response::Response::new(axum::body::Body::from("too many connections"));
    *response.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(axum::http::header::RETRY_AFTER, 1.into());
    headers.insert(
        axum::http::header::CONNECTION,
        axum::http::HeaderValue::from_static("close"),
    );
    response
}

/// An error about one connection (the listener is fine).
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_client_and_in_total() {
        let counts = Arc::new(Counts {
            limits: ConnLimits {
                header_timeout: DEFAULT_HEADER_TIMEOUT,
                body_timeout: DEFAULT_BODY_TIMEOUT,
                per_client: 2,
                total: 3,
            },
            state: Mutex::new((0, HashMap::new())),
            probes: Mutex::new(0),
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = counts.admit(a).unwrap();
        let _second = counts.admit(a).unwrap();
        assert_eq!(counts.admit(a).err(), Some(Refusal::PerClient));
        first.leave_client();
        let _third = counts.admit(a).unwrap();
        assert_eq!(counts.admit(b).err(), Some(Refusal::Total));
        drop(first);
        let _fourth = counts.admit(b).unwrap();
    }

    #[test]
    fn the_probe_reserve_takes_a_few_past_the_caps() {
        let counts = Arc::new(Counts {
            limits: ConnLimits {
                header_timeout: DEFAULT_HEADER_TIMEOUT,
                body_timeout: DEFAULT_BODY_TIMEOUT,
                per_client: 1,
                total: 2,
            },
            state: Mutex::new((0, HashMap::new())),
            probes: Mutex::new(0),
        });
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let _held = counts.admit(a).unwrap();
        // A client past its own cap gets no place: the prober is another.
        let why = counts.admit(a).err().unwrap();
        assert!(counts.reserve(why).is_none(), "{why:?}");
        let _other = counts.admit(b).unwrap();
        let why = counts.admit("10.0.0.3".parse().unwrap()).err().unwrap();
        let mut probes: Vec<Place> = (0..PROBE_RESERVE)
            .map(|_| counts.reserve(why).expect("a place in the reserve"))
            .collect();
        assert!(probes.iter().all(|p| p.probe == Some(Refusal::Total)));
        assert!(counts.reserve(why).is_none(), "past the reserve");
        probes.pop();
        assert!(counts.reserve(why).is_some(), "a probe's place comes back");
        // The reserve never counts against the caps.
        assert_eq!(counts.state.lock().unwrap().0, 2);
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let one = client_key("2001:db8::1".parse().unwrap());
        let other = client_key("2001:db8::ffff:1".parse().unwrap());
        assert_eq!(one, other);
        let mapped = client_key("::ffff:10.0.0.1".parse().unwrap());
        assert_eq!(mapped, "10.0.0.1".parse::<IpAddr>().unwrap());
    }
}
