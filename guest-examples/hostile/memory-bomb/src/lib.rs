//! Hostile: allocates and touches 1 MiB chunks forever on `index:attack`.
//!
//! A correct host refuses to grow linear memory past the app's memory quota;
//! the allocator then aborts, which traps the call.

use miniapp_sdk::{Event, Result};

const CHUNK: usize = 1024 * 1024;
const PAGE: usize = 4096;

fn attack(_event: &Event) -> Result<()> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = vec![0u8; CHUNK];
        // Write every page so the memory is really used.
        for byte in chunk.iter_mut().step_by(PAGE) {
            *byte = 1;
        }
        chunks.push(std::hint::black_box(chunk));
        std::hint::black_box(&chunks);
    }
}

hostile_fixture::export_attack_fn!("memory-bomb", attack);
