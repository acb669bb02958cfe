//! Hostile: floods page data on `index:attack`.
//!
//! First one 2 MiB string value, then 512 KiB chunks (`chunk0`, `chunk1`,
//! ... up to 64 of them, 32 MiB). A correct host refuses the oversized patch
//! and the chunk that would pass its cap on a page's total data with an
//! error value, not a trap.

use hostile_fixture::refusals;
use miniapp_sdk::{Event, Result, Value, json, view};

const ATTACK: &str = "huge-set-data";
const CHUNK_LEN: usize = 512 * 1024;
const CHUNKS: usize = 64;

fn attack(_event: &Event) -> Result<()> {
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

    let mut patch = refusals(ATTACK, [("", &big), ("chunk", &chunk_err)]);
    patch["chunks_set"] = json!(chunks_set);
    // Drop what was set in the patch that records the outcome, so the
    // record itself fits under the cap.
    if big.is_none() {
        patch["big"] = Value::Null;
    }
    for i in 0..chunks_set {
        patch[format!("chunk{i}")] = Value::Null;
    }
    view::set_data(patch)
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
