//! Hostile: allocates and touches 1 MiB chunks forever on `index:attack`.
//!
//! A correct host refuses to grow linear memory past the app's memory quota;
//! the allocator then aborts, which traps the call.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

const ATTACK: &str = "memory-bomb";
const CHUNK: usize = 1024 * 1024;
const PAGE: usize = 4096;

#[derive(Default)]
struct MemoryBomb;

impl App for MemoryBomb {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "attack") => {
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
            _ => Err(Error::app("unknown handler")),
        }
    }
}

miniapp_sdk::export_app!(MemoryBomb);
