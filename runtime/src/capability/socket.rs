//! `socket`: WebSockets (WeChat's `wx.connectSocket` and `SocketTask`),
//! only to `ws`/`wss` origins the app declared in its manifest's `origins`
//! and the operator allowed, under the address rules requests follow
//! (`egress`: checked on the URL, then on every resolved address).
//!
//! Each socket is a task on the runtime's workers and a stream call of the
//! instance's pending table ([`Pending::start_stream`](super::pending)):
//! every event (open, a message, an error, closed) is one completion of its
//! id, its event taken with `take-event`. What a socket received and the
//! app has not taken is charged to the instance's host memory and bounded
//! per socket ([`MAX_BACKLOG`] events, 4 × `socket_message_bytes`): past
//! that the host closes it with 1008 and says why, never buffering more.
//! A socket ends with its page (the table cancels its call, aborting the
//! task) and with its instance (the table is dropped). What an instance
//! has open (url and tag) the embedder reads after each callback
//! ([`open_sockets`]) and keeps with the session; when the instance ends
//! with sockets open, the next one is given them
//! ([`LaunchOptions::closed_sockets`](crate::LaunchOptions)), held and
//! charged here until the app asks (`closed-before-launch`: a stream call,
//! one completion per socket).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use miniapp_config::Origin;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use url::{Host, Url};

use super::egress::AddressRules;
use super::http::{AppHttp, check_headers, check_origin};
use super::pending::Pending;
use super::pending::StreamSender;
use super::{CallError, CallResult, Capability, Granted, View, context};
use crate::app_core::AppCore;
use crate::bindings::socket::{self, Message, SocketEvent};
use crate::event::{
    ClosedSocket, MAX_CLOSE_REASON_BYTES as MAX_REASON_BYTES, MAX_SOCKET_TAG_BYTES,
    MAX_SOCKET_URL_BYTES, OpenSocket,
};
use crate::limits::{Held, HostMemory};

/// Events one socket holds at most that the app has not taken.
pub(crate) const MAX_BACKLOG: u64 = 256;
/// Messages the app sent that wait to go out on one socket, at most.
const SEND_QUEUE: usize = 16;
/// How long a socket the app closed waits for the server's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(5);
/// Handshake headers the host writes itself.
const RESERVED: &[&str] = &["host", "upgrade", "connection", "sec-websocket-"];

/// The sockets of one instance: the way to each open one, and its app's
/// HTTP state (the addresses it may reach, the messages all the app's
/// instances sent this minute).
pub(crate) struct SocketCtx {
    http: Arc<AppHttp>,
    budget: Arc<HostMemory>,
    open: HashMap<u64, Open>,
    /// The sockets the previous instance of the session had open, until
    /// the app asks for them (`closed-before-launch`).
    closed_before: Vec<Told>,
}

/// An open socket: the way to it, and what a next instance is told of it.
struct Open {
    sender: mpsc::Sender<Outgoing>,
    socket: OpenSocket,
}

/// A socket closed before this instance's launch, charged while held.
struct Told {
    closed: ClosedSocket,
    _held: Held,
}

impl SocketCtx {
    /// The sockets of an instance of `app` (reaching the addresses its
    /// HTTP state `http` may), charged to `budget`, if `socket` is granted;
    /// holding `closed`, the sockets the session's previous instance had
    /// open (refused past the `sockets` quota, or one past its bounds).
    pub fn new(
        app: &AppCore,
        http: &Arc<AppHttp>,
        budget: &Arc<HostMemory>,
        closed: &[ClosedSocket],
    ) -> Result<Granted<SocketCtx>, String> {
        if let Err(denial) = super::grant(app, Capability::Socket) {
            return Ok(Err(denial));
        }
        let most = app.grants.quotas.sockets;
        if closed.len() as u64 > u64::from(most) {
            return Err(format!(
                "{} closed sockets to tell the app, past the {most} it may have open (quota `sockets`)",
                closed.len()
            ));
        }
        let mut closed_before = Vec::with_capacity(closed.len());
        for socket in closed {
            socket.check()?;
            let held = budget.hold(socket.bytes(), "a socket closed before launch")?;
            closed_before.push(Told {
                closed: socket.clone(),
                _held: held,
            });
        }
        Ok(Ok(SocketCtx {
            http: http.clone(),
            budget: budget.clone(),
            open: HashMap::new(),
            closed_before,
        }))
    }
}

/// The sockets open in an instance whose socket state is `ctx` and pending
/// table `pending`, in the order they were opened (none if not granted).
pub(crate) fn open_sockets(ctx: &Granted<SocketCtx>, pending: &Pending) -> Vec<OpenSocket> {
    let Ok(ctx) = ctx else {
        return Vec::new();
    };
    let mut open: Vec<(&u64, &Open)> = (ctx.open.iter())
        .filter(|(id, _)| pending.is_pending(**id))
        .collect();
    open.sort_by_key(|(id, _)| **id);
    open.into_iter().map(|(_, o)| o.socket.clone()).collect()
}

/// What the app asks of an open socket.
enum Outgoing {
    /// Send a message (its bytes held until sent).
    Send(Frame, Held),
    /// Close with a code and reason.
    Close(u16, String),
}

/// An event waiting for the app, charged while it waits.
struct Queued {
    event: SocketEvent,
    _held: Option<Held>,
    _ticket: Ticket,
}

/// A socket's events not yet taken: their count and bytes.
#[derive(Default)]
struct Backlog {
    count: AtomicU64,
    bytes: AtomicU64,
}

/// One event's place in its socket's backlog, given back when dropped.
struct Ticket {
    backlog: Arc<Backlog>,
    bytes: u64,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.backlog.count.fetch_sub(1, Ordering::Relaxed);
        self.backlog.bytes.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

super::linked_by!(view of Granted<SocketCtx>, socket);

#[miniapp_runtime_macros::recorded]
impl socket::Host for View<'_, Granted<SocketCtx>> {
    fn connect_start(
        &mut self,
        url: String,
        headers: Vec<(String, String)>,
        protocols: Vec<String>,
    ) -> CallResult<u64> {
        let connection = self.checked(&url, &headers, &protocols)?;
        let ctx = context(self.ctx)?;
        let (sender, outgoing) = mpsc::channel(SEND_QUEUE);
        let id =
            (self.call.pending).start_stream(move |events| connection.run(events, outgoing))?;
        let socket = OpenSocket {
            url,
            tag: String::new(),
        };
        ctx.open.insert(id, Open { sender, socket });
        Ok(id)
    }

    fn set_tag(&mut self, id: u64, tag: String) -> CallResult<()> {
        if tag.len() > MAX_SOCKET_TAG_BYTES {
            return Err(CallError::invalid(format!(
                "a socket tag of {} bytes is over {MAX_SOCKET_TAG_BYTES} bytes",
                tag.len()
            )));
        }
        self.open_socket(id)?;
        if let Some(open) = context(self.ctx)?.open.get_mut(&id) {
            open.socket.tag = tag;
        }
        Ok(())
    }

    fn closed_before_launch(&mut self) -> CallResult<Option<(u64, u32)>> {
        let ctx = context(self.ctx)?;
        if ctx.closed_before.is_empty() {
            return Ok(None);
        }
        self.call.pending.room_for(false)?;
        let told = std::mem::take(&mut ctx.closed_before);
        let count = told.len() as u32;
        let id = (self.call.pending).start_stream(move |sender| async move {
            for told in told {
                sender.send(Box::new(told));
            }
        })?;
        Ok(Some((id, count)))
    }

    fn take_closed(&mut self, id: u64) -> CallResult<socket::ClosedSocket> {
        context(self.ctx)?;
        match self.call.pending.take_answer::<Told>(id) {
            Some(Told { closed, .. }) => Ok(socket::ClosedSocket {
                url: closed.socket.url,
                tag: closed.socket.tag,
                code: closed.code,
                reason: closed.reason,
            }),
            None => Err(CallError::invalid(format!(
                "call {id} has no closed socket to take: take it once, in an `on-complete` of the call `closed-before-launch` gave"
            ))),
        }
    }

    fn take_event(&mut self, id: u64) -> CallResult<SocketEvent> {
        context(self.ctx)?;
        match self.call.pending.take_answer::<Queued>(id) {
            Some(queued) => Ok(queued.event),
            None => Err(CallError::invalid(format!(
                "socket {id} has no event to take: take it once, in an `on-complete` of that socket"
            ))),
        }
    }

    fn send(&mut self, id: u64, data: Message) -> CallResult<()> {
        let limit = self.call.app.grants.quotas.socket_message_bytes;
        let sender = self.open_socket(id)?;
        let ctx = context(self.ctx)?;
        let bytes = message_bytes(&data);
        let frame = match data {
            Message::Text(text) => Frame::text(text),
            Message::Bytes(bytes) => Frame::binary(bytes),
        };
        if bytes > limit {
            return Err(CallError::quota(format!(
                "a message of {bytes} bytes is over the limit of {limit} bytes (quota `socket_message_bytes`)"
            )));
        }
        let minute = &ctx.http.socket_messages;
        if !minute.take() {
            return Err(CallError::quota(format!(
                "{} socket messages sent this minute already by app `{}`, all its instances together (quota `socket_messages_per_minute`)",
                minute.most, self.call.app.manifest.id
            )));
        }
        let sent = (ctx.budget.hold(bytes, "a socket message"))
            .map_err(CallError::quota)
            .and_then(|held| {
                (sender.try_send(Outgoing::Send(frame, held))).map_err(|e| match e {
                    mpsc::error::TrySendError::Full(_) => CallError::quota(format!(
                        "{SEND_QUEUE} messages wait to be sent on socket {id} already"
                    )),
                    mpsc::error::TrySendError::Closed(_) => not_open(id),
                })
            });
        if sent.is_err() {
            minute.give_back();
        }
        sent
    }

    fn close(&mut self, id: u64, code: u16, reason: String) -> CallResult<()> {
        if code != 1000 && !(3000..=4999).contains(&code) {
            return Err(CallError::invalid(format!(
                "close code {code} is not 1000 or 3000 to 4999"
            )));
        }
        if reason.len() > MAX_REASON_BYTES {
            return Err(CallError::invalid(format!(
                "a close reason of {} bytes is over {MAX_REASON_BYTES} bytes",
                reason.len()
            )));
        }
        let sender = self.open_socket(id)?;
        // Past a full queue the close still goes: it waits its turn.
        tokio::spawn(async move { sender.send(Outgoing::Close(code, reason)).await });
        context(self.ctx)?.open.remove(&id);
        Ok(())
    }
}

/// The bytes of a message's text or data.
fn message_bytes(message: &Message) -> u64 {
    match message {
        Message::Text(text) => text.len() as u64,
        Message::Bytes(bytes) => bytes.len() as u64,
    }
}

fn not_open(id: u64) -> CallError {
    CallError::invalid(format!(
        "socket {id} is not open (closed, or not a socket of this page)"
    ))
}

impl View<'_, Granted<SocketCtx>> {
    /// The way to open socket `id`; sockets that ended are forgotten.
    fn open_socket(&mut self, id: u64) -> CallResult<mpsc::Sender<Outgoing>> {
        let pending = &self.call.pending;
        let ctx = context(self.ctx)?;
        ctx.open.retain(|id, _| pending.is_pending(*id));
        (ctx.open.get(&id).map(|o| o.sender.clone())).ok_or_else(|| not_open(id))
    }

    /// Check a socket the app asks for against its grants and quotas.
    fn checked(
        &mut self,
        url: &str,
        headers: &[(String, String)],
        protocols: &[String],
    ) -> CallResult<Connection> {
        let pending = &self.call.pending;
        let ctx = context(self.ctx)?;
        let app = &self.call.app;
        let quotas = &app.grants.quotas;
        ctx.open.retain(|id, _| pending.is_pending(*id));
        pending.room_for(false)?;
        if pending.streams() >= quotas.sockets {
            return Err(CallError::quota(format!(
                "{} sockets open already, the most one instance of this app may have at once (quota `sockets`)",
                quotas.sockets
            )));
        }
        if url.len() > MAX_SOCKET_URL_BYTES {
            return Err(CallError::invalid(format!(
                "a socket URL of {} bytes is over {MAX_SOCKET_URL_BYTES} bytes",
                url.len()
            )));
        }
        let parsed = Url::parse(url)
            .map_err(|e| CallError::invalid(format!("`{url}` is not a URL: {e}")))?;
        let origin = Origin::of_socket(&parsed)
            .ok_or_else(|| CallError::invalid(format!("`{url}` is not a ws:// or wss:// URL")))?;
        check_origin(app, &origin)?;
        (ctx.http.addresses.check_url(&parsed)).map_err(|e| CallError::denied(e.0))?;
        check_headers(headers)?;
        let request = handshake(&parsed, headers, protocols)?;
        let bytes = quotas.socket_message_bytes;
        let size = usize::try_from(bytes).unwrap_or(usize::MAX);
        Ok(Connection {
            url: parsed,
            origin,
            request,
            addresses: ctx.http.addresses.clone(),
            timeout: Duration::from_millis(connect_timeout_ms(app)),
            config: (WebSocketConfig::default())
                .max_message_size(Some(size))
                .max_frame_size(Some(size)),
            message_bytes: bytes,
            budget: ctx.budget.clone(),
        })
    }
}

/// The handshake request to `url` with the app's `headers` and
/// sub`protocols`.
fn handshake(url: &Url, headers: &[(String, String)], protocols: &[String]) -> CallResult<Request> {
    let mut request = (url.as_str().into_client_request())
        .map_err(|e| CallError::invalid(format!("`{url}` cannot be opened: {e}")))?;
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if RESERVED.iter().any(|r| lower.starts_with(r)) {
            return Err(CallError::invalid(format!(
                "header `{name}` is the host's to write in a WebSocket handshake (offer sub-protocols with `protocols`)"
            )));
        }
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| CallError::invalid(format!("`{name}` is not a header name")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| CallError::invalid(format!("header `{name}` has an invalid value")))?;
        request.headers_mut().append(name, value);
    }
    if !protocols.is_empty() {
        let token =
            |p: &String| !p.is_empty() && p.bytes().all(|b| b.is_ascii_graphic() && b != b',');
        if let Some(bad) = protocols.iter().find(|p| !token(p)) {
            return Err(CallError::invalid(format!(
                "`{bad}` is not a sub-protocol name (printable ASCII, no comma or space)"
            )));
        }
        let offered = HeaderValue::from_str(&protocols.join(", "))
            .map_err(|_| CallError::invalid("the sub-protocols are not a header value"))?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", offered);
    }
    Ok(request)
}

/// A socket checked and ready to open: it owns what it needs, so it runs
/// after the call that made it returned.
struct Connection {
    url: Url,
    origin: Origin,
    request: Request,
    addresses: AddressRules,
    timeout: Duration,
    config: WebSocketConfig,
    message_bytes: u64,
    budget: Arc<HostMemory>,
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl Connection {
    /// Open the socket and hand the app its events until it closes; the
    /// last is `closed`.
    async fn run(self, events: StreamSender, outgoing: mpsc::Receiver<Outgoing>) {
        let queue = Queue {
            events,
            budget: self.budget.clone(),
            backlog: Arc::default(),
            message_bytes: self.message_bytes,
        };
        let timeout = self.timeout;
        let opened = match tokio::time::timeout(timeout, self.open()).await {
            Ok(opened) => opened,
            Err(_) => Err(format!(
                "the connection took over {} ms",
                timeout.as_millis()
            )),
        };
        let (code, reason) = match opened {
            Ok(socket) => {
                queue.control(SocketEvent::Open);
                talk(socket, &queue, outgoing).await
            }
            Err(error) => {
                queue.control(SocketEvent::Error(error.clone()));
                (1006, error)
            }
        };
        queue.control(SocketEvent::Closed((code, reason)));
    }

    /// Resolve, check every address, connect and shake hands.
    async fn open(self) -> Result<Socket, String> {
        let origin = &self.origin;
        let host = match self.url.host() {
            Some(Host::Domain(name)) => name.to_string(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(format!("`{}` has no host", self.url)),
        };
        let port = (self.url.port_or_known_default()).unwrap_or(443);
        let addresses = (self.addresses.lookup(&host, port).await)
            .map_err(|e| format!("cannot reach {origin}: {e}"))?;
        let tcp = TcpStream::connect(&addresses[..])
            .await
            .map_err(|e| format!("cannot connect to {origin}: {e}"))?;
        let connector = match self.url.scheme() {
            "wss" => Connector::Rustls(tls()?),
            _ => Connector::Plain,
        };
        let config = Some(self.config);
        let (socket, _) = tokio_tungstenite::client_async_tls_with_config(
            self.request,
            tcp,
            config,
            Some(connector),
        )
        .await
        .map_err(|e| format!("the WebSocket handshake with {origin} failed: {e}"))?;
        Ok(socket)
    }
}

/// The TLS client of every `wss` socket: the webpki roots, as reqwest's.
fn tls() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

/// Exchange frames until the socket closes: the code and reason of the
/// side that closed first.
async fn talk(
    socket: Socket,
    queue: &Queue,
    mut outgoing: mpsc::Receiver<Outgoing>,
) -> (u16, String) {
    let (mut sink, mut frames) = socket.split();
    let mut closed: Option<(u16, String)> = None;
    let mut give_up = tokio::time::Instant::now();
    let mut app_closed = false;
    loop {
        tokio::select! {
            frame = frames.next() => {
                let message = match frame {
                    None | Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                        return closed.unwrap_or_else(lost);
                    }
                    Some(Err(WsError::Capacity(e))) => {
                        let error = format!(
                            "the server sent a message over {} bytes (quota `socket_message_bytes`): {e}",
                            queue.message_bytes
                        );
                        queue.control(SocketEvent::Error(error.clone()));
                        return closed.unwrap_or((1009, error));
                    }
                    Some(Err(e)) => {
                        let error = format!("{e}");
                        queue.control(SocketEvent::Error(error.clone()));
                        return closed.unwrap_or((1006, error));
                    }
                    Some(Ok(Frame::Text(text))) => Message::Text(text.as_str().to_owned()),
                    Some(Ok(Frame::Binary(bytes))) => Message::Bytes(bytes.to_vec()),
                    Some(Ok(Frame::Close(frame))) => {
                        let said = frame.map_or((1005, String::new()), |f| {
                            (u16::from(f.code), f.reason.as_str().to_owned())
                        });
                        closed.get_or_insert(said);
                        continue;
                    }
                    Some(Ok(_)) => continue,
                };
                if closed.is_some() {
                    continue;
                }
                if let Err(reason) = queue.message(message) {
                    let frame = CloseFrame { code: 1008.into(), reason: "the app fell behind".into() };
                    let _ = sink.send(Frame::Close(Some(frame))).await;
                    return (1008, reason);
                }
            }
            out = outgoing.recv(), if !app_closed => match out {
                Some(Outgoing::Send(frame, _held)) => {
                    if let Err(e) = sink.send(frame).await {
                        let error = format!("sending failed: {e}");
                        queue.control(SocketEvent::Error(error.clone()));
                        return closed.unwrap_or((1006, error));
                    }
                }
                Some(Outgoing::Close(code, reason)) => {
                    app_closed = true;
                    give_up = tokio::time::Instant::now() + CLOSE_WAIT;
                    let frame = CloseFrame { code: code.into(), reason: reason.clone().into() };
                    let _ = sink.send(Frame::Close(Some(frame))).await;
                    closed.get_or_insert((code, reason));
                }
                // The instance is gone (its task is being ended).
                None => app_closed = true,
            },
            () = tokio::time::sleep_until(give_up), if app_closed && closed.is_some() => {
                return closed.unwrap_or_else(lost);
            }
        }
    }
}

fn lost() -> (u16, String) {
    (1006, "the connection was lost without a close frame".into())
}

/// Where a socket's events go: to the app as completions, each charged
/// to host memory and counted in the socket's backlog until taken.
struct Queue {
    events: StreamSender,
    budget: Arc<HostMemory>,
    backlog: Arc<Backlog>,
    /// `socket_message_bytes`: the socket holds 4 times this at most.
    message_bytes: u64,
}

impl Queue {
    fn ticket(&self, bytes: u64) -> Ticket {
        self.backlog.count.fetch_add(1, Ordering::Relaxed);
        self.backlog.bytes.fetch_add(bytes, Ordering::Relaxed);
        Ticket {
            backlog: self.backlog.clone(),
            bytes,
        }
    }

    /// Open, an error or closed: at most three a socket, always delivered
    /// (charged when the budget allows).
    fn control(&self, event: SocketEvent) {
        let bytes = match &event {
            SocketEvent::Error(e) | SocketEvent::Closed((_, e)) => e.len() as u64,
            _ => 0,
        };
        let held = self.budget.hold(bytes, "a socket event").ok();
        let ticket = self.ticket(bytes);
        self.events.send(Box::new(Queued {
            event,
            _held: held,
            _ticket: ticket,
        }));
    }

    /// A message received, or why the socket cannot hold it.
    fn message(&self, message: Message) -> Result<(), String> {
        let bytes = message_bytes(&message);
        let max_bytes = self.message_bytes.saturating_mul(4);
        let count = self.backlog.count.load(Ordering::Relaxed);
        let waiting = self.backlog.bytes.load(Ordering::Relaxed);
        if count >= MAX_BACKLOG || waiting + bytes > max_bytes {
            return Err(format!(
                "closed by the host: the app has not taken {count} messages ({waiting} bytes) of this socket; a socket holds at most {MAX_BACKLOG} messages and {} bytes (4 x quota `socket_message_bytes`)",
                max_bytes
            ));
        }
        let held = (self.budget.hold(bytes, "a socket message"))
            .map_err(|e| format!("closed by the host: {e}"))?;
        let ticket = self.ticket(bytes);
        self.events.send(Box::new(Queued {
            event: SocketEvent::Message(message),
            _held: Some(held),
            _ticket: ticket,
        }));
        Ok(())
    }
}

/// How long a socket's handshake may take: the app's `networkTimeout`
/// `connectSocket` if it gives one, within the operator's
/// `http_timeout_ms` (the smaller wins).
fn connect_timeout_ms(app: &crate::app_core::AppCore) -> u64 {
    let bound = app.grants.quotas.http_timeout_ms;
    (app.grants.network_timeout.connect_socket).map_or(bound, |ms| u64::from(ms).min(bound))
}
