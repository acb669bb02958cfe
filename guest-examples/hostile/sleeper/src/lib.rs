//! Hostile: waits in WASI instead of spinning. On `index:attack` it sleeps
//! an hour (`std::thread::sleep`, a monotonic-clock pollable), on
//! `index:forever` as long as a `Duration` can say, and on `index:random`
//! asks the host for a mebibyte of random bytes in one call.
//!
//! Guest code never runs while it waits, so no epoch check fires: a correct
//! host still ends the call at the event's deadline (trap "time limit"),
//! drops the instance and stays responsive; it hands out random bytes a
//! little at a time.

use std::time::Duration;

use hostile_fixture::{Attack, unknown_handler};
use miniapp_sdk::{Event, Result, json, view};

#[derive(Default)]
struct Sleeper;

impl Attack for Sleeper {
    const NAME: &'static str = "sleeper";

    fn attack(&mut self, _event: &Event) -> Result<()> {
        std::thread::sleep(Duration::from_secs(3600));
        view::set_data(json!({ "outcome": "woke up" }))
    }

    fn other(&mut self, handler: &str, _event: &Event) -> Result<()> {
        match handler {
            "forever" => {
                std::thread::sleep(Duration::MAX);
                view::set_data(json!({ "outcome": "woke up" }))
            }
            "random" => {
                let mut buf = vec![0u8; 1 << 20];
                getrandom_fill(&mut buf);
                view::set_data(json!({ "outcome": "filled", "last": buf[buf.len() - 1] }))
            }
            _ => Err(unknown_handler()),
        }
    }
}

/// Fill `buf` from WASI's random source in one host call.
fn getrandom_fill(buf: &mut [u8]) {
    // std's HashMap seeds itself from WASI; ask directly for `buf.len()` bytes
    // through the preview-2 import the component already has.
    let bytes = wasi_random(buf.len() as u64);
    let n = bytes.len().min(buf.len());
    buf[..n].copy_from_slice(&bytes[..n]);
}

#[link(wasm_import_module = "wasi:random/random@0.2.0")]
unsafe extern "C" {
    #[link_name = "get-random-bytes"]
    fn get_random_bytes(len: u64, ret: *mut u8);
}

/// Call `wasi:random/random.get-random-bytes(len)` through the canonical ABI.
fn wasi_random(len: u64) -> Vec<u8> {
    // The result is a list<u8>: a pointer and a length, written at `ret`.
    let mut ret = [0usize; 2];
    // SAFETY: `ret` has room for the (pointer, length) pair the canonical ABI
    // writes for a list<u8> result; the list's memory is allocated in this
    // module's memory by its `cabi_realloc`, and ownership passes to us.
    unsafe {
        get_random_bytes(len, ret.as_mut_ptr().cast());
        Vec::from_raw_parts(ret[0] as *mut u8, ret[1], ret[1])
    }
}

hostile_fixture::export_attack!(Sleeper);
