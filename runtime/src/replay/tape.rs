//! The tape of one instance: its ring while recording (entries appended,
//! encoded, to one reused buffer, bounded in bytes and entries, charged to
//! the instance's host memory), or the recording it answers from while
//! replaying. Shared by the instance, its host calls and its WASI clocks
//! and randomness; off (no tape at all) unless the runtime records.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use super::{Entry, Outcome, Recording, ReplayError};
use crate::limits::HostMemory;

/// How much of an instance's inputs its ring may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Encoded bytes.
    pub bytes: u64,
    /// Entries.
    pub entries: u32,
}

/// An instance's tape: `None` when the runtime does not record.
#[derive(Clone, Default)]
pub(crate) struct Tape(Option<Arc<Mutex<Reel>>>);

/// What a tape does now.
pub(crate) enum Reel {
    /// Appending what the instance sees.
    Record(Ring),
    /// Answering from a recording.
    Replay(Cursor),
    /// A replay past its recording's end: everything runs live.
    Live,
}

/// The entries of a recording being made, encoded back to back.
pub(crate) struct Ring {
    buf: Vec<u8>,
    entries: u32,
    bounds: Bounds,
    /// Why it stopped recording, once past a bound.
    over: Option<String>,
    /// Scratch space for one entry's result, reused.
    scratch: Vec<u8>,
    /// Scratch space for a hook's name, reused.
    name: String,
    host_memory: Arc<HostMemory>,
    charged: u64,
}

/// Where a replay is in its recording.
pub(crate) struct Cursor {
    entries: Vec<Entry>,
    at: usize,
    /// The first place the guest asked for something else.
    pub diverged: Option<ReplayError>,
}

/// Bytes charged to host memory at a time as the ring grows.
const CHARGE_STEP: u64 = 4096;

/// What the tape answers a call whose recorded answer does not fit.
pub(crate) const DIVERGED: &str = "replay diverged from its recording";

/// Borrowed twin of [`Entry`]: the same encoding, written without copies.
#[derive(Serialize)]
enum EntryRef<'a> {
    Drive(#[serde(with = "serde_bytes")] &'a [u8]),
    Input {
        hook: &'a str,
    },
    Call {
        name: &'a str,
        #[serde(with = "serde_bytes")]
        result: &'a [u8],
    },
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

impl Tape {
    /// A tape recording into a ring of `bounds`, charged to `host_memory`.
    pub fn recording(bounds: Bounds, host_memory: Arc<HostMemory>) -> Tape {
        Tape(Some(Arc::new(Mutex::new(Reel::Record(Ring {
            buf: Vec::new(),
            entries: 0,
            bounds,
            over: None,
            scratch: Vec::new(),
            name: String::new(),
            host_memory,
            charged: 0,
        })))))
    }

    /// A tape answering from `entries`.
    pub fn replaying(entries: Vec<Entry>) -> Tape {
        Tape(Some(Arc::new(Mutex::new(Reel::Replay(Cursor {
            entries,
            at: 0,
            diverged: None,
        })))))
    }

    /// Whether it answers from a recording now.
    pub fn is_replaying(&self) -> bool {
        matches!(self.reel().as_deref(), Some(Reel::Replay(_)))
    }

    /// Whether there is a tape (recording, replaying or live after one).
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// The reel, locked (a poisoned lock is taken as it is: a reel is
    /// consistent between appends).
    pub fn reel(&self) -> Option<MutexGuard<'_, Reel>> {
        (self.0.as_ref()).map(|reel| reel.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The instance this tape records gets its host memory charged to
    /// `host_memory` (the ring was made before the instance's budget).
    pub fn charge_to(&self, host_memory: &Arc<HostMemory>) {
        if let Some(mut reel) = self.reel()
            && let Reel::Record(ring) = &mut *reel
        {
            ring.host_memory.release(ring.charged);
            ring.charged = 0;
            ring.host_memory = host_memory.clone();
            ring.charge();
        }
    }

    /// Record an embedder's call into the instance (`drive`, JSON).
    pub fn drive(&self, drive: &impl Serialize) {
        if let Some(mut reel) = self.reel()
            && let Reel::Record(ring) = &mut *reel
        {
            ring.scratch.clear();
            if serde_json::to_writer(&mut ring.scratch, drive).is_ok() {
                let scratch = std::mem::take(&mut ring.scratch);
                ring.append(&EntryRef::Drive(&scratch));
                ring.scratch = scratch;
            }
        }
    }

    /// The guest is about to be called (`hook`): recorded, or on replay
    /// checked against the recording; false when the replay diverged
    /// (the guest must not be called).
    pub fn input(&self, hook: &dyn std::fmt::Display) -> bool {
        use std::fmt::Write;
        let Some(mut reel) = self.reel() else {
            return true;
        };
        match &mut *reel {
            Reel::Record(ring) => {
                let mut name = std::mem::take(&mut ring.name);
                name.clear();
                let _ = write!(name, "{hook}");
                ring.append(&EntryRef::Input { hook: &name });
                ring.name = name;
                true
            }
            Reel::Replay(cursor) => cursor.take_input(&hook.to_string()),
            Reel::Live => true,
        }
    }

    /// On replay, the recorded result of host call `name` (`None`: run it).
    pub fn answer(&self, name: &str) -> Option<Result<Vec<u8>, String>> {
        let mut reel = self.reel()?;
        let Reel::Replay(cursor) = &mut *reel else {
            return None;
        };
        Some(cursor.take_call(name))
    }

    /// Record host call `name`'s result, written by `encode`.
    pub fn record(&self, name: &str, encode: impl FnOnce(&mut Vec<u8>)) {
        if let Some(mut reel) = self.reel()
            && let Reel::Record(ring) = &mut *reel
        {
            let mut scratch = std::mem::take(&mut ring.scratch);
            scratch.clear();
            encode(&mut scratch);
            ring.append(&EntryRef::Call {
                name,
                result: &scratch,
            });
            ring.scratch = scratch;
        }
    }

    /// A copy of what it recorded, kept for `outcome`, as a [`Recording`]
    /// of the app `(id, version, package hash)`.
    pub fn keep(&self, app: (&str, &str, &str), outcome: Outcome) -> Option<Recording> {
        let reel = self.reel()?;
        let Reel::Record(ring) = &*reel else {
            return None;
        };
        let (entries, not_replayable) = match &ring.over {
            Some(why) => (Vec::new(), Some(why.clone())),
            None => (ring.decoded(), None),
        };
        let mut recording = Recording {
            format: super::FORMAT,
            app: app.0.to_string(),
            version: app.1.to_string(),
            package_hash: app.2.to_string(),
            recorded_at_unix_ms: super::now_unix_ms(),
            outcome,
            entries,
            not_replayable,
            bytes: 0,
        };
        // Its size counts itself: encode until the figure holds.
        loop {
            let bytes = recording.to_bytes().len() as u64;
            if bytes == recording.bytes {
                return Some(recording);
            }
            recording.bytes = bytes;
        }
    }

    /// Where a replay diverged, if it did.
    pub fn diverged(&self) -> Option<ReplayError> {
        let mut reel = self.reel()?;
        match &mut *reel {
            Reel::Replay(cursor) => cursor.diverged.take(),
            _ => None,
        }
    }

    /// The next recorded embedder call, if the replay is at one (`None`:
    /// the recording is over); an entry in the way is a divergence.
    pub fn next_drive(&self) -> Result<Option<Vec<u8>>, ReplayError> {
        let Some(mut reel) = self.reel() else {
            return Ok(None);
        };
        let Reel::Replay(cursor) = &mut *reel else {
            return Ok(None);
        };
        if let Some(diverged) = cursor.diverged.take() {
            return Err(diverged);
        }
        match cursor.entries.get(cursor.at) {
            None => Ok(None),
            Some(Entry::Drive(drive)) => {
                let drive = drive.clone();
                cursor.at += 1;
                Ok(Some(drive))
            }
            Some(other) => Err(ReplayError::Diverged {
                at: cursor.at,
                expected: other.describe(),
                got: "the next event (the guest made fewer calls than recorded)".into(),
            }),
        }
    }

    /// Stop answering from the recording: what follows runs live.
    pub fn go_live(&self) {
        if let Some(mut reel) = self.reel() {
            *reel = Reel::Live;
        }
    }
}

impl Ring {
    fn append(&mut self, entry: &EntryRef<'_>) {
        if self.over.is_some() {
            return;
        }
        let before = self.buf.len();
        if bincode::serde::encode_into_std_write(entry, &mut self.buf, config()).is_err() {
            self.buf.truncate(before);
            return;
        }
        self.entries += 1;
        if self.buf.len() as u64 > self.bounds.bytes {
            return self.stop(format!(
                "its inputs since launch passed the ring's bound of {} bytes (quota `recording_bytes`)",
                self.bounds.bytes
            ));
        }
        if self.entries > self.bounds.entries {
            return self.stop(format!(
                "its inputs since launch passed the ring's bound of {} entries (quota `recording_entries`)",
                self.bounds.entries
            ));
        }
        self.charge();
    }

    /// Charge host memory for what the buffer holds, a step at a time.
    fn charge(&mut self) {
        let held = self.buf.len() as u64;
        if held <= self.charged {
            return;
        }
        let step = (held - self.charged).div_ceil(CHARGE_STEP) * CHARGE_STEP;
        match self.host_memory.charge(step, "the recording of its inputs") {
            Ok(()) => self.charged += step,
            Err(why) => self.stop(why),
        }
    }

    /// Past a bound: the ring lets go of what it held and says why.
    fn stop(&mut self, why: String) {
        self.over = Some(why);
        self.buf = Vec::new();
        self.host_memory.release(self.charged);
        self.charged = 0;
    }

    fn decoded(&self) -> Vec<Entry> {
        let mut entries = Vec::with_capacity(self.entries as usize);
        let mut rest = &self.buf[..];
        while !rest.is_empty() {
            match bincode::serde::decode_from_slice::<Entry, _>(rest, config()) {
                Ok((entry, read)) => {
                    entries.push(entry);
                    rest = &rest[read..];
                }
                Err(_) => break,
            }
        }
        entries
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        self.host_memory.release(self.charged);
    }
}

impl Cursor {
    fn take_input(&mut self, hook: &str) -> bool {
        if self.diverged.is_some() {
            return false;
        }
        match self.entries.get(self.at) {
            Some(Entry::Input { hook: recorded }) if recorded == hook => {
                self.at += 1;
                true
            }
            other => {
                self.diverge(
                    other.map(Entry::describe),
                    format!("the guest called with {hook}"),
                );
                false
            }
        }
    }

    fn take_call(&mut self, name: &str) -> Result<Vec<u8>, String> {
        if self.diverged.is_some() {
            return Err(DIVERGED.into());
        }
        match self.entries.get(self.at) {
            Some(Entry::Call {
                name: recorded,
                result,
            }) if recorded == name => {
                self.at += 1;
                Ok(result.clone())
            }
            other => {
                self.diverge(other.map(Entry::describe), format!("host call {name}"));
                Err(DIVERGED.into())
            }
        }
    }

    fn diverge(&mut self, expected: Option<String>, got: String) {
        self.diverged = Some(ReplayError::Diverged {
            at: self.at,
            expected: expected.unwrap_or_else(|| "the end of the recording".into()),
            got,
        });
    }
}

impl Entry {
    /// The entry in words, for a divergence.
    pub(crate) fn describe(&self) -> String {
        match self {
            Entry::Drive(drive) => format!("the event {}", String::from_utf8_lossy(drive)),
            Entry::Input { hook } => format!("the guest called with {hook}"),
            Entry::Call { name, .. } => format!("host call {name}"),
        }
    }
}
