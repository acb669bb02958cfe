//! Hostile: hoards page data on every page of a full page stack.
//!
//! On `index:attack` it fills the current page with page data, then pushes
//! `page` with `navigate_to` and fills that, and so on until `navigate_to`
//! is refused (the stack is full: `page_stack_limit` pages, 10 by default).
//! A page is filled by growing the list `fill` one string chunk per
//! `set-data` patch (`{"fill[i]": "xxx..."}`); when the host refuses a
//! chunk with `quota-exceeded` the chunk size is halved (down to
//! `min_chunk`), so each page ends up holding about as much as the host
//! allows and every patch stays under the per-patch limit. Then it pops
//! back to the home page with `navigate_back` and fills a freshly pushed
//! page again, to check that data freed by popping pages can be reused.
//!
//! Today's host caps each page, not the stack: the app holds up to
//! pages x per-page limit. A correct host bounds page data over the WHOLE
//! stack with one per-instance budget: the sum of accepted bytes over all
//! pages (`total_bytes`) stays far below that, the chunk that would pass
//! the budget is refused with `quota-exceeded` (never a trap), and bytes
//! freed by popping pages can be set again (`refill_bytes` > 0).
//!
//! Launch query (optional): `chunk`, the first chunk size in bytes
//! (default 262144), and `min_chunk`, the smallest (default 1024). Set a
//! small per-page limit in tests: every patch makes today's host
//! re-serialize the whole page.
//!
//! The filler patches go through the raw `view.set-data` import, not
//! `view::set_data`, to keep guest CPU low: this attack is on host memory.
//!
//! Page data of the top page after the attack: `outcome` (`"finished"`),
//! `page_stack_limit`, `stack_depth` (pages on the full stack),
//! `page_fills` (one entry per filled page, bottom first: `depth`,
//! `route`, `bytes`, `chunks`, `smallest_chunk`, `error_kind`, `error` -
//! the refusal that ended the filling), `total_bytes` (sum of `bytes`),
//! `max_page_bytes`, `nav_error_kind`/`nav_error` (the refused
//! `navigate_to`), `popped`, `back_error_kind`/`back_error`,
//! `refill_bytes`, `refill_chunks`, `refill_error_kind`/`refill_error`,
//! `refill_nav_error_kind`/`refill_nav_error`, `budget_before`,
//! `budget_full` (stack full) and `budget_after` ([`quota::remaining`]
//! fields), and `report_on` (`"refill"`; `"home"` if the report only fit
//! on the home page; `"top"` if the refill page could not be pushed and
//! the stack could not be popped) with `report_freed_chunks` (leading `fill`
//! chunks of that page set to `null` to make room for this report).

use miniapp_sdk::bindings::miniapp::host::view as raw_view;
use miniapp_sdk::{App, Error, Event, Launch, Result, Value, json, nav, quota, view};
use serde_json::Map;

const ATTACK: &str = "stack-hoarder";
const DEFAULT_CHUNK: usize = 256 * 1024;
const DEFAULT_MIN_CHUNK: usize = 1024;
/// Gives up on a page that never refuses (so a broken host still ends).
const MAX_CHUNKS_PER_PAGE: usize = 4096;
/// At most this many pushes, whatever the host says its limit is.
const MAX_PUSHES: u32 = 256;

/// What one page accepted.
struct PageFill {
    depth: usize,
    route: String,
    bytes: usize,
    chunks: usize,
    smallest_chunk: usize,
    error: Option<Error>,
}

impl PageFill {
    fn to_json(&self) -> Value {
        json!({
            "depth": self.depth,
            "route": self.route,
            "bytes": self.bytes,
            "chunks": self.chunks,
            "smallest_chunk": self.smallest_chunk,
            "error_kind": self.error.as_ref().map(Error::kind),
            "error": self.error.as_ref().map(Error::to_string),
        })
    }
}

fn error_fields(map: &mut Map<String, Value>, prefix: &str, error: Option<&Error>) {
    map.insert(
        format!("{prefix}_error_kind"),
        json!(error.map(Error::kind)),
    );
    map.insert(
        format!("{prefix}_error"),
        json!(error.map(Error::to_string)),
    );
}

#[derive(Default)]
struct StackHoarder {
    chunk: usize,
    min_chunk: usize,
}

impl StackHoarder {
    /// Grow `fill` on the top page until the host refuses at `min_chunk`.
    fn fill_top(&self, filler: &str) -> PageFill {
        let stack = nav::pages();
        let mut fill = PageFill {
            depth: stack.len(),
            route: stack.last().map(|p| p.route.clone()).unwrap_or_default(),
            bytes: 0,
            chunks: 0,
            smallest_chunk: self.chunk,
            error: None,
        };
        let mut size = self.chunk;
        while fill.chunks < MAX_CHUNKS_PER_PAGE {
            let value = &filler[..size];
            let mut patch = String::with_capacity(size + 32);
            patch.push_str("{\"fill[");
            patch.push_str(&fill.chunks.to_string());
            patch.push_str("]\":\"");
            patch.push_str(value);
            patch.push_str("\"}");
            match raw_view::set_data(&patch).map_err(Error::from) {
                Ok(()) => {
                    fill.bytes += size;
                    fill.chunks += 1;
                    fill.smallest_chunk = size;
                }
                Err(e) => {
                    let done = !matches!(e, Error::QuotaExceeded(_)) || size <= self.min_chunk;
                    fill.error = Some(e);
                    if done {
                        break;
                    }
                    size = (size / 2).max(self.min_chunk);
                }
            }
        }
        fill
    }

    fn attack(&self) -> Result<()> {
        let filler = "x".repeat(self.chunk);
        let budget_before = quota::remaining();
        let mut report = Map::new();

        // Fill every page of the stack, pushing until the host refuses.
        let mut fills = Vec::new();
        let mut nav_error = None;
        for pushed in 0..=MAX_PUSHES {
            fills.push(self.fill_top(&filler));
            if pushed == MAX_PUSHES {
                break;
            }
            if let Err(e) = nav::navigate_to(&format!("page?n={}", pushed + 1)) {
                nav_error = Some(e);
                break;
            }
        }
        let budget_full = quota::remaining();
        let stack_depth = nav::pages().len();
        let total_bytes: usize = fills.iter().map(|f| f.bytes).sum();
        let max_page_bytes = fills.iter().map(|f| f.bytes).max().unwrap_or(0);

        // Pop back home, push a fresh page and fill it again.
        let popped = stack_depth.saturating_sub(1);
        let back = if popped > 0 {
            nav::navigate_back(popped as u32).err()
        } else {
            None
        };
        let refill_nav = nav::navigate_to("page?n=refill").err();
        let refill = if refill_nav.is_none() {
            Some(self.fill_top(&filler))
        } else {
            None
        };
        let budget_after = quota::remaining();

        report.insert("attack".into(), json!(ATTACK));
        report.insert("outcome".into(), json!("finished"));
        report.insert(
            "page_stack_limit".into(),
            json!(budget_before.page_stack_limit),
        );
        report.insert("stack_depth".into(), json!(stack_depth));
        report.insert(
            "page_fills".into(),
            Value::Array(fills.iter().map(PageFill::to_json).collect()),
        );
        report.insert("total_bytes".into(), json!(total_bytes));
        report.insert("max_page_bytes".into(), json!(max_page_bytes));
        error_fields(&mut report, "nav", nav_error.as_ref());
        report.insert("popped".into(), json!(popped));
        error_fields(&mut report, "back", back.as_ref());
        report.insert(
            "refill_bytes".into(),
            json!(refill.as_ref().map_or(0, |f| f.bytes)),
        );
        report.insert(
            "refill_chunks".into(),
            json!(refill.as_ref().map_or(0, |f| f.chunks)),
        );
        error_fields(
            &mut report,
            "refill",
            refill.as_ref().and_then(|f| f.error.as_ref()),
        );
        error_fields(&mut report, "refill_nav", refill_nav.as_ref());
        report.insert("budget_before".into(), json!(budget_before));
        report.insert("budget_full".into(), json!(budget_full));
        report.insert("budget_after".into(), json!(budget_after));

        // The top page may be full: free its chunks one by one until the
        // report fits; failing that, pop home and free the home page's.
        let home_chunks = fills.first().map_or(0, |f| f.chunks);
        let depth = nav::pages().len();
        let (on, chunks) = match &refill {
            Some(f) => ("refill", f.chunks),
            None if depth == 1 => ("home", home_chunks),
            None => ("top", fills.last().map_or(0, |f| f.chunks)),
        };
        match write_report(&report, on, chunks) {
            Err(Error::QuotaExceeded(_)) if on != "home" => {
                nav::navigate_back(depth.saturating_sub(1) as u32)?;
                write_report(&report, "home", home_chunks)
            }
            other => other,
        }
    }
}

/// Set `report` on the top page, nulling its first 0, 1, 2... `fill`
/// chunks until the host accepts it.
fn write_report(report: &Map<String, Value>, on: &str, chunks: usize) -> Result<()> {
    let mut last = None;
    for freed in 0..=chunks {
        let mut patch = report.clone();
        for j in 0..freed {
            patch.insert(format!("fill[{j}]"), Value::Null);
        }
        patch.insert("report_on".into(), json!(on));
        patch.insert("report_freed_chunks".into(), json!(freed));
        match view::set_data(Value::Object(patch)) {
            Ok(()) => return Ok(()),
            Err(e @ Error::QuotaExceeded(_)) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::app("report refused")))
}

impl App for StackHoarder {
    fn on_launch(&mut self, launch: &Launch) -> Result<()> {
        let number = |key, default| {
            launch
                .query(key)
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .unwrap_or(default)
        };
        self.chunk = number("chunk", DEFAULT_CHUNK);
        self.min_chunk = number("min_chunk", DEFAULT_MIN_CHUNK).min(self.chunk);
        view::set_data(json!({
            "attack": ATTACK,
            "ready": true,
            "chunk": self.chunk,
            "min_chunk": self.min_chunk,
        }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "attack") => self.attack(),
            _ => Err(Error::app("unknown handler")),
        }
    }
}

miniapp_sdk::export_app!(StackHoarder);
