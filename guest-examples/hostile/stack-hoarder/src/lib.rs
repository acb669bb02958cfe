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

use hostile_fixture::{Attack, Filled, Filler, add_errors, query_number, ready, write_report};
use miniapp_sdk::{Error, Event, Launch, Result, Value, json, nav, quota};

const DEFAULT_CHUNK: usize = 256 * 1024;
const DEFAULT_MIN_CHUNK: usize = 1024;
/// Gives up on a page that never refuses (so a broken host still ends).
const MAX_CHUNKS_PER_PAGE: usize = 4096;
/// At most this many pushes, whatever the host says its limit is.
const MAX_PUSHES: u32 = 256;

/// What one page of the stack accepted.
struct PageFill {
    depth: usize,
    route: String,
    filled: Filled,
}

impl PageFill {
    fn to_json(&self) -> Value {
        let f = &self.filled;
        let mut data = json!({
            "depth": self.depth,
            "route": self.route,
            "bytes": f.bytes,
            "chunks": f.chunks,
            "smallest_chunk": f.smallest_chunk,
        });
        add_errors(&mut data, [("", f.error.as_ref())]);
        data
    }
}

#[derive(Default)]
struct StackHoarder {
    chunk: usize,
    min_chunk: usize,
}

/// Grow `fill` on the top page until the host refuses at `min_chunk`.
fn fill_top(filler: &Filler) -> PageFill {
    let stack = nav::pages();
    PageFill {
        depth: stack.len(),
        route: stack.last().map(|p| p.route.clone()).unwrap_or_default(),
        filled: filler.fill(),
    }
}

impl Attack for StackHoarder {
    const NAME: &'static str = "stack-hoarder";

    fn launch(&mut self, launch: &Launch) -> Result<()> {
        let number = |key, default| {
            query_number(launch, key)
                .filter(|&n| n > 0)
                .unwrap_or(default)
        };
        self.chunk = number("chunk", DEFAULT_CHUNK);
        self.min_chunk = number("min_chunk", DEFAULT_MIN_CHUNK).min(self.chunk);
        ready(
            Self::NAME,
            json!({ "chunk": self.chunk, "min_chunk": self.min_chunk }),
        )
    }

    fn attack(&mut self, _event: &Event) -> Result<()> {
        let filler = Filler::new("fill", self.chunk, self.min_chunk, MAX_CHUNKS_PER_PAGE);
        let budget_before = quota::remaining();

        // Fill every page of the stack, pushing until the host refuses.
        let mut fills = Vec::new();
        let mut nav_error = None;
        for pushed in 0..=MAX_PUSHES {
            fills.push(fill_top(&filler));
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
        let total_bytes: usize = fills.iter().map(|f| f.filled.bytes).sum();
        let max_page_bytes = fills.iter().map(|f| f.filled.bytes).max().unwrap_or(0);

        // Pop back home, push a fresh page and fill it again.
        let popped = stack_depth.saturating_sub(1);
        let back = if popped > 0 {
            nav::navigate_back(popped as u32).err()
        } else {
            None
        };
        let refill_nav = nav::navigate_to("page?n=refill").err();
        let refill = if refill_nav.is_none() {
            Some(fill_top(&filler))
        } else {
            None
        };
        let budget_after = quota::remaining();

        let mut report = json!({
            "attack": Self::NAME,
            "outcome": "finished",
            "page_stack_limit": budget_before.page_stack_limit,
            "stack_depth": stack_depth,
            "page_fills": fills.iter().map(PageFill::to_json).collect::<Vec<_>>(),
            "total_bytes": total_bytes,
            "max_page_bytes": max_page_bytes,
            "popped": popped,
            "refill_bytes": refill.as_ref().map_or(0, |f| f.filled.bytes),
            "refill_chunks": refill.as_ref().map_or(0, |f| f.filled.chunks),
            "budget_before": budget_before,
            "budget_full": budget_full,
            "budget_after": budget_after,
        });
        add_errors(
            &mut report,
            [
                ("nav", nav_error.as_ref()),
                ("back", back.as_ref()),
                (
                    "refill",
                    refill.as_ref().and_then(|f| f.filled.error.as_ref()),
                ),
                ("refill_nav", refill_nav.as_ref()),
            ],
        );

        // The top page may be full: free its chunks one by one until the
        // report fits; failing that, pop home and free the home page's.
        let home_chunks = fills.first().map_or(0, |f| f.filled.chunks);
        let depth = nav::pages().len();
        let (on, chunks) = match &refill {
            Some(f) => ("refill", f.filled.chunks),
            None if depth == 1 => ("home", home_chunks),
            None => ("top", fills.last().map_or(0, |f| f.filled.chunks)),
        };
        let report_on = |on: &str, chunks| {
            let mut report = report.clone();
            report["report_on"] = json!(on);
            write_report(&report, "fill", chunks)
        };
        match report_on(on, chunks) {
            Err(Error::QuotaExceeded(_)) if on != "home" => {
                nav::navigate_back(depth.saturating_sub(1) as u32)?;
                report_on("home", home_chunks)
            }
            other => other,
        }
    }
}

hostile_fixture::export_attack!(StackHoarder);
