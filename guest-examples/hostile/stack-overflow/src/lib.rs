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

use hostile_fixture::{Attack, unknown_handler};
use miniapp_sdk::{Event, Result, json, view};

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

/// Only reached if the host let the recursion run to `u64::MAX`.
fn survived(reached: u64) -> Result<()> {
    view::set_data(
        json!({ "attack": StackOverflow::NAME, "outcome": "succeeded", "reached": reached }),
    )
}

#[derive(Default)]
struct StackOverflow;

impl Attack for StackOverflow {
    const NAME: &'static str = "stack-overflow";

    fn attack(&mut self, _event: &Event) -> Result<()> {
        survived(recurse(0))
    }

    fn other(&mut self, handler: &str, _event: &Event) -> Result<()> {
        match handler {
            "attack-native" => survived(native(0, black_box(u64::MAX))),
            _ => Err(unknown_handler()),
        }
    }
}

hostile_fixture::export_attack!(StackOverflow);
