//! WASI's clocks and randomness through the tape: while recording, each
//! reading is the real one, appended; while replaying, each is answered
//! from the recording (a reading the recording does not hold next marks
//! the replay diverged, and the next host call stops it).

use std::convert::Infallible;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtxBuilder};

use super::tape::Tape;

const WALL: &str = "wasi:clocks/wall-clock.now";
const MONOTONIC: &str = "wasi:clocks/monotonic-clock.now";
const SEED: &str = "wasi:random/insecure-seed.insecure-seed";

/// Give `builder` clocks and random sources that go through `tape`.
pub(crate) fn taped(builder: &mut WasiCtxBuilder, tape: &Tape) {
    let seed = reading(tape, SEED, 16, || {
        let mut seed = [0; 16];
        getrandom::fill(&mut seed).expect("the OS random source is available");
        seed.to_vec()
    });
    let seed = u128::from_le_bytes(seed.try_into().unwrap_or([0; 16]));
    builder
        .wall_clock(WallClock(tape.clone()))
        .monotonic_clock(MonotonicClock {
            tape: tape.clone(),
            start: Instant::now(),
        })
        .secure_random(Random {
            tape: tape.clone(),
            name: "wasi:random/random.bytes",
        })
        .insecure_random(Random {
            tape: tape.clone(),
            name: "wasi:random/insecure.bytes",
        })
        .insecure_random_seed(seed);
}

/// One reading `name` of `len` bytes: `read` recorded, or the recorded
/// one (zeros when the replay diverged here).
fn reading(tape: &Tape, name: &str, len: usize, read: impl FnOnce() -> Vec<u8>) -> Vec<u8> {
    if let Some(answer) = tape.answer(name) {
        return match answer {
            Ok(bytes) if bytes.len() == len => bytes,
            _ => vec![0; len],
        };
    }
    let bytes = read();
    tape.record(name, |out| out.extend_from_slice(&bytes));
    bytes
}

struct WallClock(Tape);

impl HostWallClock for WallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        let bytes = reading(&self.0, WALL, 12, || {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let mut bytes = now.as_secs().to_le_bytes().to_vec();
            bytes.extend_from_slice(&now.subsec_nanos().to_le_bytes());
            bytes
        });
        let (secs, nanos) = bytes.split_at(8);
        Duration::new(
            u64::from_le_bytes(secs.try_into().unwrap_or_default()),
            u32::from_le_bytes(nanos.try_into().unwrap_or_default()),
        )
    }
}

struct MonotonicClock {
    tape: Tape,
    start: Instant,
}

impl HostMonotonicClock for MonotonicClock {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        let bytes = reading(&self.tape, MONOTONIC, 8, || {
            let nanos = self.start.elapsed().as_nanos() as u64;
            nanos.to_le_bytes().to_vec()
        });
        u64::from_le_bytes(bytes.try_into().unwrap_or_default())
    }
}

/// A random source whose every draw is a reading on the tape.
struct Random {
    tape: Tape,
    name: &'static str,
}

impl Random {
    fn draw(&mut self, dst: &mut [u8]) {
        let bytes = reading(&self.tape, self.name, dst.len(), || {
            let mut bytes = vec![0; dst.len()];
            getrandom::fill(&mut bytes).expect("the OS random source is available");
            bytes
        });
        dst.copy_from_slice(&bytes);
    }
}

impl rand_core::TryRng for Random {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0; 4];
        self.draw(&mut bytes);
        Ok(u32::from_le_bytes(bytes))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0; 8];
        self.draw(&mut bytes);
        Ok(u64::from_le_bytes(bytes))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.draw(dst);
        Ok(())
    }
}
