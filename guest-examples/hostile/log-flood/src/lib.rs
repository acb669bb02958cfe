//! Hostile: logs 100,000 lines of 1 KiB through `log` and prints as many
//! to stdout on `index:attack`.
//!
//! A correct host keeps a per-event log budget: it drops the lines past it,
//! neither trapping the app nor buffering without bound, and the app then
//! finishes normally (`"outcome": "finished"`).

use miniapp_sdk::{Event, Result, json, log, view};

const ATTACK: &str = "log-flood";
const LINES: usize = 100_000;
const LINE_LEN: usize = 1024;

fn attack(_event: &Event) -> Result<()> {
    let line = "x".repeat(LINE_LEN);
    for _ in 0..LINES {
        log::info(&line);
    }
    for _ in 0..LINES {
        println!("{line}");
    }
    view::set_data(json!({
        "attack": ATTACK,
        "outcome": "finished",
        "log_lines": LINES,
        "print_lines": LINES,
    }))
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
