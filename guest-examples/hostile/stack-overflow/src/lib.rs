//! Hostile: recurses without bound on `index:attack`.
//!
//! Each frame keeps a 512-byte array alive across the recursive call, so the
//! compiler can neither inline the recursion nor turn it into a loop. A
//! correct host traps the call and stays up. The array lives on Rust's shadow
//! stack in linear memory, so this usually runs out of that stack first (an
//! out-of-bounds memory trap below address 0). `index:attack-native` recurses
//! with no linear-memory frame at all, to hit the engine's wasm stack limit
//! (a stack-overflow trap).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

const ATTACK: &str = "stack-overflow";

/// Frames entered by [`native`], so the work after the call cannot be dropped.
static DEPTH: AtomicU64 = AtomicU64::new(0);

/// Recursion with a big frame in linear memory.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let mut frame = [0u8; 512];
    frame[depth as usize % frame.len()] = depth as u8;
    black_box(&mut frame);
    if black_box(depth) == u64::MAX {
        return 0;
    }
    recurse(depth + 1).wrapping_add(u64::from(frame[(depth as usize * 7) % frame.len()]))
}

/// Recursion with small frames that live only on the engine's stack.
#[inline(never)]
fn native(depth: u64, limit: u64) -> u64 {
    if depth == limit {
        return depth;
    }
    let below = native(depth + 1, limit);
    DEPTH.fetch_add(1, Ordering::Relaxed);
    below ^ depth
}

#[derive(Default)]
struct StackOverflow;

impl App for StackOverflow {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        let reached = match (event.page.as_str(), event.handler.as_str()) {
            ("index", "attack") => recurse(0),
            ("index", "attack-native") => native(0, black_box(u64::MAX)),
            _ => return Err(Error::app("unknown handler")),
        };
        // Only reached if the host let the recursion run to `u64::MAX`.
        view::set_data(json!({ "attack": ATTACK, "outcome": "succeeded", "reached": reached }))
    }
}

miniapp_sdk::export_app!(StackOverflow);
