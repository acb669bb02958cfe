//! Hostile: fetches large responses back to back and keeps every body.
//!
//! On `index:attack` it fetches `<api><path>?i=<n>` up to `count` times,
//! one after another (`http.fetch` blocks the guest, so one instance
//! cannot have two requests in flight; several instances or apps can),
//! and keeps every response body alive in guest memory, across events
//! too. It stops at the first refusal or failure, after `count` fetches,
//! or when the free linear memory left (`quota::remaining`, plus what
//! `index:release` freed) is under the largest body seen plus `headroom` - so the app reports instead of
//! trapping on its own memory quota. `index:release` drops the bodies.
//!
//! Bodies the guest holds count against its memory quota; while a
//! response is in flight the host buffers it (up to the response-size
//! limit). A correct host bounds what it holds for one instance with a
//! per-instance budget and refuses past it with `quota-exceeded` (never a
//! trap), whatever the server sends.
//!
//! The manifest declares `http://127.0.0.1:18931`: a test binds that port,
//! or declares its own server's origin in the manifest it loads and passes
//! it as the launch query `api`. The operator must allow the address
//! (loopback is refused by default). Launch query (all optional): `api`
//! (default `http://127.0.0.1:18931`), `path` (default `/big`), `count`
//! (fetches per event, default 64), `headroom` (bytes, default 1048576).
//!
//! Page data after `index:attack`: `events`, `fetches_ok` and
//! `bytes_received` (this event), `non_success` (responses with a non-2xx
//! status, kept too) and `last_status`, `refused` (0 or 1), `error_kind`,
//! `error`, `stopped` (`"error"`, `"memory"` or `"count"`), `bodies_held`
//! and `bytes_held` (all events), `total_fetches_ok`, `total_refused`,
//! `budget_before` and `budget_after` ([`quota::remaining`] fields).
//! After `index:release`: `released` (bodies dropped), `bodies_held` and
//! `bytes_held` (0).

use hostile_fixture::{Attack, add_errors, query_number, query_or, ready, unknown_handler};
use miniapp_sdk::{Error, Event, Launch, Result, http, json, quota, view};

const DEFAULT_API: &str = "http://127.0.0.1:18931";
const DEFAULT_PATH: &str = "/big";
const DEFAULT_COUNT: usize = 64;
const DEFAULT_HEADROOM: u64 = 1024 * 1024;

#[derive(Default)]
struct HttpHoarder {
    api: String,
    path: String,
    count: usize,
    headroom: u64,
    bodies: Vec<Vec<u8>>,
    /// Bytes freed by `index:release` that the allocator can reuse.
    reusable: u64,
    fetched: u64,
    events: u64,
    total_fetches_ok: u64,
    total_refused: u64,
}

impl HttpHoarder {
    fn bytes_held(&self) -> usize {
        self.bodies.iter().map(Vec::len).sum()
    }

    fn release(&mut self) -> Result<()> {
        let released = self.bodies.len();
        self.reusable += self.bytes_held() as u64;
        self.bodies = Vec::new();
        view::set_data(json!({
            "released": released,
            "bodies_held": 0,
            "bytes_held": 0,
        }))
    }
}

impl Attack for HttpHoarder {
    const NAME: &'static str = "http-hoarder";

    fn launch(&mut self, launch: &Launch) -> Result<()> {
        self.api = query_or(launch, "api", DEFAULT_API)
            .trim_end_matches('/')
            .to_owned();
        self.path = query_or(launch, "path", DEFAULT_PATH).to_owned();
        self.count = query_number(launch, "count").unwrap_or(DEFAULT_COUNT);
        self.headroom = query_number(launch, "headroom").unwrap_or(DEFAULT_HEADROOM);
        ready(
            Self::NAME,
            json!({ "api": self.api, "path": self.path, "count": self.count }),
        )
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
        self.events += 1;
        let budget_before = quota::remaining();
        let mut fetches_ok = 0u64;
        let mut bytes_received = 0u64;
        let mut non_success = 0u64;
        let mut last_status = None;
        let mut error: Option<Error> = None;
        let mut stopped = "count";
        let mut largest = self.bodies.iter().map(Vec::len).max().unwrap_or(0) as u64;
        for _ in 0..self.count {
            let budget = quota::remaining();
            let free = budget.memory_limit.saturating_sub(budget.memory_used) + self.reusable;
            if largest > 0 && free < largest + self.headroom {
                stopped = "memory";
                break;
            }
            let url = format!("{}{}?i={}", self.api, self.path, self.fetched);
            self.fetched += 1;
            match http::get(&url) {
                Ok(response) => {
                    fetches_ok += 1;
                    bytes_received += response.body.len() as u64;
                    largest = largest.max(response.body.len() as u64);
                    self.reusable = self.reusable.saturating_sub(response.body.len() as u64);
                    if !response.is_success() {
                        non_success += 1;
                    }
                    last_status = Some(response.status);
                    self.bodies.push(response.body);
                }
                Err(e) => {
                    error = Some(e);
                    stopped = "error";
                    break;
                }
            }
        }
        self.total_fetches_ok += fetches_ok;
        let refused = u64::from(error.is_some());
        self.total_refused += refused;
        let mut data = json!({
            "attack": Self::NAME,
            "events": self.events,
            "fetches_ok": fetches_ok,
            "bytes_received": bytes_received,
            "non_success": non_success,
            "last_status": last_status,
            "refused": refused,
            "stopped": stopped,
            "bodies_held": self.bodies.len(),
            "bytes_held": self.bytes_held(),
            "total_fetches_ok": self.total_fetches_ok,
            "total_refused": self.total_refused,
            "budget_before": budget_before,
            "budget_after": quota::remaining(),
        });
        add_errors(&mut data, [("", error.as_ref())]);
        view::set_data(data)
    }

    fn other(&mut self, handler: &str, _event: &Event) -> Result<()> {
        match handler {
            "release" => self.release(),
            _ => Err(unknown_handler()),
        }
    }
}

hostile_fixture::export_attack!(HttpHoarder);
