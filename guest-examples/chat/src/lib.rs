//! Chat: a room over a WebSocket (`socket::connect`). Messages the server
//! sends show as they come, with no tap; `typing:NAME` from the server
//! shows "NAME is typing…" for a second and a half (a timer clears it);
//! typing in the draft tells the room at most once a second; when the
//! server drops the socket, the app reconnects after `retry_ms` (and keeps
//! trying while the server is away, showing the error and a retry button).
//! When the host ended the app's previous instance with sockets open
//! (evicted, or the session moved to another node), the app is told of each
//! (`socket::on_closed_before_launch`): it shows why, and joins again the
//! rooms it had joined (each socket's tag names its room).
//!
//! Launch it on a room of a server (`miniapp fixture chat` is one, at
//! `ws://127.0.0.1:8765`; a loopback server needs `--allow-address 127.0.0.1`):
//! `miniapp run guest-examples/chat --allow-address 127.0.0.1 --path 'index?server=ws://127.0.0.1:8765&room=lobby'`
//! (the server's origin must be in the manifest's `origins`). Handlers:
//! `index:send {"text"}`, `index:typing`, `index:leave`, `index:retry`,
//! `index:join {"room"}` (a second socket, another room).

use miniapp_sdk::feedback::{self, Toast};
use miniapp_sdk::socket::{self, Message, SocketTask};
use miniapp_sdk::{App, Error, Event, Launch, Result, json, timer, view, with_app};

/// The local fixture server.
const DEFAULT_SERVER: &str = "ws://127.0.0.1:8765";
/// How long a typing indicator shows without news, ms.
const TYPING_MS: u32 = 1_500;
/// How often the app tells the room it is typing at most, ms.
const TYPING_EVERY_MS: u32 = 1_000;

#[derive(Default)]
struct Chat {
    server: String,
    room: String,
    retry_ms: u32,
    socket: Option<SocketTask>,
    /// A reconnect waiting on its timer.
    reconnect: Option<timer::TimerId>,
    reconnects: u32,
    /// The user left: no reconnect.
    left: bool,
    messages: Vec<String>,
    /// The timer that clears the typing indicator.
    typing_shown: Option<timer::TimerId>,
    /// The app told the room it is typing within the last second.
    typing_told: bool,
    /// Other rooms joined, and their sockets.
    joined: Vec<(String, SocketTask)>,
}

impl Chat {
    fn url(&self, room: &str) -> String {
        format!("{}/room/{room}", self.server)
    }

    /// Open the room's socket; a refusal shows as the error, and the app
    /// tries again later.
    fn connect(&mut self) -> Result<()> {
        self.reconnect = None;
        view::set_data(json!({ "status": "connecting" }))?;
        match socket::connect(&self.url(&self.room)) {
            Ok(task) => {
                task.set_tag(&format!("room:{}", self.room))?;
                listen(&task);
                self.socket = Some(task);
                Ok(())
            }
            Err(e) => {
                view::set_data(json!({ "status": "offline", "error": e.message() }))?;
                self.retry_later()
            }
        }
    }

    fn retry_later(&mut self) -> Result<()> {
        if self.left || self.reconnect.is_some() {
            return Ok(());
        }
        let id = timer::set_timeout(self.retry_ms, || {
            with_app(|app: &mut Chat| {
                app.reconnects += 1;
                view::set("reconnects", app.reconnects)?;
                app.connect()
            })?
        })?;
        self.reconnect = Some(id);
        Ok(())
    }

    fn received(&mut self, text: String) -> Result<()> {
        if let Some(who) = text.strip_prefix("typing:") {
            if let Some(id) = self.typing_shown.take() {
                timer::clear_timeout(id);
            }
            view::set("typing", who)?;
            let id = timer::set_timeout(TYPING_MS, || {
                with_app(|app: &mut Chat| app.typing_shown = None)?;
                view::set("typing", "")
            })?;
            self.typing_shown = Some(id);
            return Ok(());
        }
        self.messages.push(text);
        let list: Vec<_> = (self.messages.iter().enumerate())
            .map(|(id, text)| json!({ "id": id, "text": text }))
            .collect();
        view::set("messages", list)
    }

    fn closed(&mut self, code: u16, reason: String) -> Result<()> {
        self.socket = None;
        let status = if self.left { "left" } else { "closed" };
        view::set_data(json!({ "status": status, "closed": format!("{code} {reason}") }))?;
        self.retry_later()
    }

    fn typing(&mut self) -> Result<()> {
        let Some(socket) = &self.socket else {
            return Ok(());
        };
        if self.typing_told {
            return Ok(());
        }
        socket.send_text("typing:me")?;
        self.typing_told = true;
        timer::set_timeout(TYPING_EVERY_MS, || {
            with_app(|app: &mut Chat| app.typing_told = false)
        })?;
        Ok(())
    }

    fn join(&mut self, room: String) -> Result<()> {
        match socket::connect(&self.url(&room)) {
            Ok(task) => {
                task.set_tag(&format!("join:{room}"))?;
                self.joined.push((room, task));
                let rooms: Vec<&str> = self.joined.iter().map(|(r, _)| r.as_str()).collect();
                view::set("joined", rooms.join(", "))
            }
            Err(e) => view::set("refused", e.message()),
        }
    }
}

impl Chat {
    /// A socket the previous instance had open when the host ended it: the
    /// room's own is connected again by the launch (a toast says so); a
    /// room joined besides is joined again.
    fn closed_before_launch(&mut self, closed: socket::ClosedSocket) -> Result<()> {
        let why = format!("{} {}", closed.code, closed.reason);
        view::set("dropped", why)?;
        if closed.tag.starts_with("room:") {
            feedback::show_toast(&Toast::new("Reconnected"))?;
        }
        match closed.tag.strip_prefix("join:") {
            Some(room) if !self.joined.iter().any(|(r, _)| r == room) => self.join(room.to_owned()),
            _ => Ok(()),
        }
    }
}

/// The room socket's callbacks: each runs in a completion of its own.
fn listen(task: &SocketTask) {
    task.on_open(|| view::set_data(json!({ "status": "open", "error": "" })));
    task.on_message(|message| match message {
        Message::Text(text) => with_app(|app: &mut Chat| app.received(text))?,
        Message::Bytes(bytes) => view::set("binary", bytes.len()),
    });
    task.on_error(|error| view::set("error", error));
    task.on_close(|code, reason| with_app(|app: &mut Chat| app.closed(code, reason))?);
}

/// A string field of the event's detail (`text`, or an input's `value`).
fn text(event: &Event, key: &str) -> Result<String> {
    (event.detail.get(key).or_else(|| event.detail.get("value")))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{}:{} needs `{key}` (detail {{\"{key}\": \"...\"}})",
                event.page, event.handler
            ))
        })
}

impl App for Chat {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        self.server = launch.query("server").unwrap_or(DEFAULT_SERVER).to_owned();
        self.room = launch.query("room").unwrap_or("lobby").to_owned();
        self.retry_ms = match launch.query("retry_ms") {
            Some(ms) => ms
                .parse()
                .map_err(|_| Error::InvalidArgument(format!("retry_ms `{ms}` is not a number")))?,
            None => 1_000,
        };
        view::set_data(json!({
            "room": self.room, "status": "connecting", "messages": [], "typing": "", "draft": "",
            "error": "", "closed": "", "reconnects": 0, "joined": "", "refused": "",
            "dropped": "",
        }))?;
        socket::on_closed_before_launch(|closed| {
            with_app(|app: &mut Chat| app.closed_before_launch(closed))?
        })?;
        self.connect()
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "send") => {
                let text = text(event, "text")?;
                match &self.socket {
                    // Sent: the draft (bound with model:value) empties.
                    Some(socket) => {
                        socket.send(Message::Text(text))?;
                        view::set("draft", "")
                    }
                    None => view::set("error", "not connected: the message was not sent"),
                }
            }
            ("index", "typing") => self.typing(),
            ("index", "leave") => {
                self.left = true;
                match &self.socket {
                    Some(socket) => socket.close(1000, "left the room"),
                    None => Ok(()),
                }
            }
            ("index", "retry") => {
                self.left = false;
                if let Some(id) = self.reconnect.take() {
                    timer::clear_timeout(id);
                }
                match self.socket {
                    Some(_) => Ok(()),
                    None => self.connect(),
                }
            }
            ("index", "join") => self.join(text(event, "room")?),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Chat);
