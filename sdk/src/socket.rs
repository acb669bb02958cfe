//! WebSockets, as WeChat's `wx.connectSocket` and its `SocketTask`: only to
//! `ws://`/`wss://` origins the app declares in its manifest's `origins`
//! (beside `http` in `permissions`) and the operator allows.
//!
//! [`connect`] returns a [`SocketTask`] at once; its events (open, each
//! message, an error, the close) reach the callbacks set with
//! [`SocketTask::on_open`], [`SocketTask::on_message`],
//! [`SocketTask::on_error`] and [`SocketTask::on_close`], each in a host
//! call of its own (a completion). Set them in the handler that connects:
//! the first event comes after it returns. The host bounds how many sockets
//! an app has open (quota `sockets`, 5 by default, as WeChat), the size of
//! a message and the messages sent per minute, and closes a socket whose
//! app leaves its messages untaken (1008, with the reason). A socket
//! belongs to its page: when the page leaves the stack the host closes it
//! and no callback runs (as for an instance the host ends: an app that
//! starts again connects again in its launch). When the host ends an
//! instance with sockets open (evicted, its node drained or lost), the
//! session's next instance is told of each, with its url and the tag the
//! app gave it ([`SocketTask::set_tag`]), through
//! [`on_closed_before_launch`], so that it can reconnect.
//!
//! ```ignore
//! use miniapp_sdk::{socket, view};
//!
//! let chat = socket::connect("wss://chat.example.com/room/1")?;
//! chat.on_message(|message| match message {
//!     socket::Message::Text(text) => view::set("last", text),
//!     socket::Message::Bytes(_) => Ok(()),
//! });
//! chat.on_close(|code, reason| view::set("status", format!("closed {code}: {reason}")));
//! chat.send(socket::Message::Text("hello".into()))?;
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use crate::bindings::miniapp::host::socket as host;
use crate::task::{self, TaskId};
use crate::{Error, Result};

pub use host::{ClosedSocket, Message};

/// A callback taking `A`.
type Callback<A> = Option<Box<dyn FnMut(A) -> Result<()>>>;

/// A socket's callbacks.
#[derive(Default)]
struct Callbacks {
    open: Callback<()>,
    message: Callback<Message>,
    error: Callback<String>,
    close: Callback<(u16, String)>,
}

/// An open (or opening) WebSocket (WeChat's `SocketTask`). Cloning it gives
/// another handle on the same socket; dropping every handle leaves the
/// socket open and its callbacks set.
#[derive(Clone)]
pub struct SocketTask {
    id: u64,
    callbacks: Rc<RefCell<Callbacks>>,
    task: TaskId,
}

/// Open a WebSocket to `url` (WeChat's `wx.connectSocket`).
pub fn connect(url: &str) -> Result<SocketTask> {
    connect_with(url, &[], &[])
}

/// Open a WebSocket to `url` with extra handshake `headers` (WeChat's
/// `header`) and the sub-`protocols` offered (`protocols`).
pub fn connect_with(
    url: &str,
    headers: &[(String, String)],
    protocols: &[String],
) -> Result<SocketTask> {
    let id = host::connect_start(url, headers, protocols).map_err(Error::from)?;
    let mut events = task::completions(id);
    let callbacks = Rc::new(RefCell::new(Callbacks::default()));
    let listening = callbacks.clone();
    let task = task::spawn_task(async move {
        loop {
            match events.next().await {
                Ok(()) => {}
                Err(Error::Cancelled(_)) => return Ok(()),
                Err(e) => return Err(e),
            }
            let event = host::take_event(id).map_err(Error::from)?;
            let closed = matches!(event, host::SocketEvent::Closed(_));
            if let Err(e) = deliver(&listening, event) {
                task::report(e);
            }
            if closed {
                return Ok(());
            }
        }
    });
    Ok(SocketTask {
        id,
        callbacks,
        task,
    })
}

/// Run the callback `event` is for, if set. The callback is taken out of
/// the socket while it runs, so it may set callbacks of its own socket.
fn deliver(callbacks: &Rc<RefCell<Callbacks>>, event: host::SocketEvent) -> Result<()> {
    macro_rules! call {
        ($field:ident, $arg:expr) => {{
            let taken = callbacks.borrow_mut().$field.take();
            match taken {
                Some(mut f) => {
                    let outcome = f($arg);
                    callbacks.borrow_mut().$field.get_or_insert(f);
                    outcome
                }
                None => Ok(()),
            }
        }};
    }
    match event {
        host::SocketEvent::Open => call!(open, ()),
        host::SocketEvent::Message(message) => call!(message, message),
        host::SocketEvent::Error(error) => call!(error, error),
        host::SocketEvent::Closed(closed) => call!(close, closed),
    }
}

/// Call `f` once per socket the session's previous instance had open when
/// the host ended it (evicted, its node drained or lost: WeChat's
/// `onSocketClose`, code 1001 and the host's reason), in the order they
/// were opened, each in a completion of its own after the callback that
/// asks. Ask in [`App::on_launch`](crate::App::on_launch); nothing is
/// told twice, and nothing if no socket was open.
pub fn on_closed_before_launch(
    mut f: impl FnMut(ClosedSocket) -> Result<()> + 'static,
) -> Result<()> {
    let Some((id, count)) = host::closed_before_launch().map_err(Error::from)? else {
        return Ok(());
    };
    let mut told = task::completions(id);
    task::spawn_task(async move {
        for _ in 0..count {
            match told.next().await {
                Ok(()) => {}
                Err(Error::Cancelled(_)) => return Ok(()),
                Err(e) => return Err(e),
            }
            let closed = host::take_closed(id).map_err(Error::from)?;
            if let Err(e) = f(closed) {
                task::report(e);
            }
        }
        Ok(())
    });
    Ok(())
}

impl SocketTask {
    /// The host's id of the socket (never reused within an instance).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Tag the socket with `tag` (at most 256 bytes): if the host ends the
    /// instance with the socket open, the session's next instance is told
    /// its url and this tag ([`on_closed_before_launch`]).
    pub fn set_tag(&self, tag: &str) -> Result<()> {
        host::set_tag(self.id, tag).map_err(Error::from)
    }

    /// Send `message` (WeChat's `SocketTask.send`), refused past the
    /// app's `socket_message_bytes` or `socket_messages_per_minute`, or
    /// when the socket is not open.
    pub fn send(&self, message: Message) -> Result<()> {
        host::send(self.id, &message).map_err(Error::from)
    }

    /// Send `text` as a text message.
    pub fn send_text(&self, text: impl Into<String>) -> Result<()> {
        self.send(Message::Text(text.into()))
    }

    /// Close the socket (WeChat's `SocketTask.close`) with `code` (1000,
    /// or 3000 to 4999) and `reason`; [`on_close`](Self::on_close) follows.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        host::close(self.id, code, reason).map_err(Error::from)
    }

    /// Call `f` when the socket opens (`onOpen`).
    pub fn on_open(&self, mut f: impl FnMut() -> Result<()> + 'static) {
        self.callbacks.borrow_mut().open = Some(Box::new(move |()| f()));
    }

    /// Call `f` with each message the server sends (`onMessage`).
    pub fn on_message(&self, f: impl FnMut(Message) -> Result<()> + 'static) {
        self.callbacks.borrow_mut().message = Some(Box::new(f));
    }

    /// Call `f` when the socket fails (`onError`); its close follows.
    pub fn on_error(&self, f: impl FnMut(String) -> Result<()> + 'static) {
        self.callbacks.borrow_mut().error = Some(Box::new(f));
    }

    /// Call `f` with the code and reason when the socket closes
    /// (`onClose`): the last event of a socket.
    pub fn on_close(&self, mut f: impl FnMut(u16, String) -> Result<()> + 'static) {
        let f = move |(code, reason)| f(code, reason);
        self.callbacks.borrow_mut().close = Some(Box::new(f));
    }

    /// Stop listening: no callback of this socket runs again, and the
    /// host ends the socket without a close event (as when its page
    /// leaves).
    pub fn abandon(self) {
        task::abort(self.task);
    }
}
