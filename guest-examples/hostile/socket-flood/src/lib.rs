//! Hostile: a socket flood, both ways.
//!
//! On `index:attack` it opens sockets to `<server>/room/<room>` until the
//! host refuses one (at most 100), then sends `size`-byte messages on the
//! first as fast as it can until the host refuses one (at most 1000). The
//! fixture's `flood` room floods every socket back without reading. A
//! correct host refuses the sockets past `sockets` and the messages past
//! `socket_messages_per_minute` by name (`quota-exceeded`, audited), and
//! closes a socket whose app has not taken what arrived at its bound
//! (1008), never buffering without end, while its neighbours are served.
//!
//! The manifest declares `ws://127.0.0.1:18932`: a test declares its own
//! server's origin in the manifest it loads and passes it as the launch
//! query `server`. Launch query (all optional): `server` (default
//! `ws://127.0.0.1:18932`), `room` (default `flood`), `size` (bytes,
//! default 1024).
//!
//! Page data after `index:attack`: `opened` and `sent`, with
//! `open_error_kind`/`open_error` and `send_error_kind`/`send_error` (the
//! first refusal of each); `received` counts the messages the app took,
//! `closed` the last close it saw (`CODE REASON`).

use hostile_fixture::{Attack, add_errors, query_number, query_or, ready};
use miniapp_sdk::socket::{self, SocketTask};
use std::cell::Cell;

use miniapp_sdk::{Error, Event, Launch, Result, json, view};

const DEFAULT_SERVER: &str = "ws://127.0.0.1:18932";

#[derive(Default)]
struct SocketFlood {
    url: String,
    size: usize,
    sockets: Vec<SocketTask>,
}

thread_local! {
    /// Messages the app took, all its sockets together.
    static RECEIVED: Cell<u64> = const { Cell::new(0) };
}

impl SocketFlood {
    /// Open sockets until the host refuses one: the refusal.
    fn open_all(&mut self) -> Option<Error> {
        for _ in 0..100 {
            match socket::connect(&self.url) {
                Ok(task) => {
                    task.on_message(|_| {
                        let received = RECEIVED.with(|r| r.get() + 1);
                        RECEIVED.with(|r| r.set(received));
                        view::set("received", received)
                    });
                    task.on_close(|code, reason| view::set("closed", format!("{code} {reason}")));
                    self.sockets.push(task);
                }
                Err(e) => return Some(e),
            }
        }
        None
    }

    /// Send on the first socket until the host refuses: how many went,
    /// and the refusal.
    fn send_all(&self) -> (u64, Option<Error>) {
        let Some(first) = self.sockets.first() else {
            return (0, None);
        };
        let text = "x".repeat(self.size);
        for sent in 0..1000 {
            if let Err(e) = first.send_text(text.clone()) {
                return (sent, Some(e));
            }
        }
        (1000, None)
    }
}

impl Attack for SocketFlood {
    const NAME: &'static str = "socket-flood";

    fn launch(&mut self, launch: &Launch) -> Result<()> {
        let server = query_or(launch, "server", DEFAULT_SERVER).trim_end_matches('/');
        self.url = format!("{server}/room/{}", query_or(launch, "room", "flood"));
        self.size = query_number(launch, "size").unwrap_or(1024);
        ready(
            Self::NAME,
            json!({ "url": self.url, "received": 0, "closed": "" }),
        )
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
        let open_error = self.open_all();
        let (sent, send_error) = self.send_all();
        let mut data = json!({ "opened": self.sockets.len(), "sent": sent });
        add_errors(
            &mut data,
            [("open", open_error.as_ref()), ("send", send_error.as_ref())],
        );
        view::set_data(data)
    }
}

hostile_fixture::export_attack!(SocketFlood);
