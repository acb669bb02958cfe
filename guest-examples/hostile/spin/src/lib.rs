//! Hostile: spins forever on `index:attack`.
//!
//! A correct host traps the call when the event's CPU fuel or wall-clock
//! deadline runs out, reports the trap, and stays responsive.

use miniapp_sdk::{Event, Result};

fn attack(_event: &Event) -> Result<()> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

hostile_fixture::export_attack_fn!("spin", attack);
