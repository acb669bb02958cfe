//! Hostile: floods page data on `index:attack`.
//!
//! First one 2 MiB string value, then 512 KiB chunks (`chunk0`, `chunk1`,
//! ... up to 64 of them, 32 MiB). A correct host refuses the oversized patch
//! and the chunk that would pass its cap on a page's total data with an
//! error value, not a trap.

use miniapp_sdk::{App, Error, Event, Launch, Result, Value, json, view};

const ATTACK: &str = "huge-set-data";
const CHUNK_LEN: usize = 512 * 1024;
const CHUNKS: usize = 64;

#[derive(Default)]
struct HugeSetData;

impl App for HugeSetData {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
        let big = view::set_data(json!({ "big": "x".repeat(2 * 1024 * 1024) })).err();

        let mut chunks_set = 0;
        let mut chunk_err = None;
        for i in 0..CHUNKS {
            match view::set(&format!("chunk{i}"), "x".repeat(CHUNK_LEN)) {
                Ok(()) => chunks_set += 1,
                Err(e) => {
                    chunk_err = Some(e);
                    break;
                }
            }
        }

        let refused = big.is_some() && chunk_err.is_some();
        let mut patch = json!({
            "attack": ATTACK,
            "outcome": if refused { "refused" } else { "succeeded" },
            "error_kind": big.as_ref().map(Error::kind),
            "error": big.as_ref().map(Error::to_string),
            "chunks_set": chunks_set,
            "chunk_error_kind": chunk_err.as_ref().map(Error::kind),
            "chunk_error": chunk_err.as_ref().map(Error::to_string),
        });
        // Drop what was set in the patch that records the outcome, so the
        // record itself fits under the cap.
        if let Some(fields) = patch.as_object_mut() {
            if big.is_none() {
                fields.insert("big".into(), Value::Null);
            }
            for i in 0..chunks_set {
                fields.insert(format!("chunk{i}"), Value::Null);
            }
        }
        view::set_data(patch)
    }
}

miniapp_sdk::export_app!(HugeSetData);
