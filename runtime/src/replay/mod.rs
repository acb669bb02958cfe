//! Record and replay: what one instance saw from outside since it launched
//! (every input the host gave the guest, every host call's result, the
//! clocks and the randomness), kept when an event traps or is refused, and
//! re-run deterministically against the same package (`docs/replay.md`).

use serde::{Deserialize, Serialize};

mod calls;
mod drive;
mod tape;
mod wasi;

pub(crate) use calls::{Taped, answer, check_output, record, record_output};
pub(crate) use drive::{Drive, Launch};
pub(crate) use tape::{Bounds, Tape};
pub(crate) use wasi::taped;

use crate::instance::AppInstance;
use crate::package::Package;
use crate::runtime::Runtime;

/// The recording format this runtime writes and reads.
pub const FORMAT: u32 = 1;

/// The bytes every encoded recording starts with.
const MAGIC: &[u8; 8] = b"MAREC\0\0\x01";

/// One instance's recording: what it saw from outside since launch, kept
/// because an event trapped or was refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recording {
    /// The recording format ([`FORMAT`]); [`Recording::from_bytes`] refuses another.
    pub format: u32,
    /// The app's manifest id.
    pub app: String,
    /// The package version the instance ran.
    pub version: String,
    /// The package's content hash ([`Package::hash`], BLAKE3, hex):
    /// replay refuses another package, naming both.
    pub package_hash: String,
    /// When it was kept, milliseconds since the Unix epoch.
    pub recorded_at_unix_ms: u64,
    /// Why it was kept.
    pub outcome: Outcome,
    /// The inputs in order (opaque outside the runtime).
    pub entries: Vec<Entry>,
    /// Why it cannot be replayed, if it cannot: its ring passed its bound
    /// (then `entries` is empty).
    pub not_replayable: Option<String>,
    /// Its encoded size in bytes (what counts against the app's disk budget).
    pub bytes: u64,
}

/// Why a recording was kept: what the last input did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// The guest trapped, with the trap's message.
    Trapped {
        /// The trap as the embedder saw it.
        message: String,
    },
    /// The app's hook returned an error (a refused event).
    Refused {
        /// The app's error as the embedder saw it.
        message: String,
    },
}

/// One thing the instance saw from outside, in the order it saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Entry {
    /// An embedder's call into the instance (an event with its details, a
    /// completion with its outcome, a page event, a navigation...), JSON.
    Drive(#[serde(with = "serde_bytes")] Vec<u8>),
    /// An input the host gave the guest: the call of one of its exports
    /// that this embedder's call led to (its arguments come from the
    /// drive and the host's own state, which replay rebuilds).
    Input {
        /// The export and what it was called about (`on-event index:tap`).
        hook: String,
    },
    /// A host call's result as the guest saw it, or a WASI clock reading
    /// or random draw.
    Call {
        /// `interface.function`.
        name: String,
        /// The result, encoded (empty for the app's output to its page,
        /// which replay makes again).
        #[serde(with = "serde_bytes")]
        result: Vec<u8>,
    },
}

/// What [`Recording::summary`] tells an operator.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The app's manifest id.
    pub app: String,
    /// The package version.
    pub version: String,
    /// Why it was kept.
    pub outcome: Outcome,
    /// How many inputs the host gave the guest.
    pub events: u32,
    /// Its encoded size in bytes.
    pub bytes: u64,
    /// When it was kept, milliseconds since the Unix epoch.
    pub recorded_at_unix_ms: u64,
    /// Why it cannot be replayed, if it cannot.
    pub not_replayable: Option<String>,
}

/// Why a recording could not be read or replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The bytes are not a recording this runtime reads.
    #[error("not a replayable recording: {0}")]
    Format(String),
    /// The recording was made by another package.
    #[error(
        "the recording was made by package {recorded}, not the package given ({given}): replay needs the same package"
    )]
    OtherPackage {
        /// The recorded package's hash.
        recorded: String,
        /// The given package's hash.
        given: String,
    },
    /// The guest asked for something other than what the recording holds next.
    #[error(
        "replay diverged at entry {at}: the recording holds {expected}, the guest asked for {got}"
    )]
    Diverged {
        /// The entry's position in the recording.
        at: usize,
        /// What the recording holds there.
        expected: String,
        /// What the guest did.
        got: String,
    },
    /// The package could not be loaded.
    #[error("{0}")]
    Load(Box<crate::Error>),
    /// The recording's ring passed its bound: it holds no inputs.
    #[error("the recording is not replayable: {0}")]
    NotReplayable(String),
    /// The replayed instance's launch failed (a recording is only taken
    /// from an instance whose launch succeeded: the failure is this host's,
    /// or a divergence at launch).
    #[error("the replayed launch failed (the recording ended in {recorded:?}): {error}")]
    LaunchFailed {
        /// How the recording ended.
        recorded: Outcome,
        /// Why the launch failed on replay.
        error: Box<crate::Error>,
    },
}

impl From<crate::Error> for ReplayError {
    fn from(error: crate::Error) -> Self {
        ReplayError::Load(Box::new(error))
    }
}

/// Now, milliseconds since the Unix epoch.
fn now_unix_ms() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map(|d| d.as_millis() as u64).unwrap_or_default()
}

impl Recording {
    /// The recording, encoded: magic bytes, then the format, then the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&self.format.to_le_bytes());
        let body = bincode::serde::encode_to_vec(self, bincode::config::standard())
            .expect("a recording always encodes");
        bytes.extend_from_slice(&body);
        bytes
    }

    /// Decode `bytes` written by [`Recording::to_bytes`]: a truncated or
    /// foreign file, or another format, is refused saying which.
    pub fn from_bytes(bytes: &[u8]) -> Result<Recording, ReplayError> {
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(ReplayError::Format(
                "it does not start with a miniapp recording's magic bytes".into(),
            ));
        };
        let Some((format, body)) = rest.split_first_chunk::<4>() else {
            return Err(ReplayError::Format(
                "it ends before its format number".into(),
            ));
        };
        let format = u32::from_le_bytes(*format);
        if format != FORMAT {
            return Err(ReplayError::Format(format!(
                "format {format}, this runtime reads format {FORMAT}"
            )));
        }
        let (recording, read): (Recording, usize) =
            bincode::serde::decode_from_slice(body, bincode::config::standard())
                .map_err(|e| ReplayError::Format(format!("its body does not decode: {e}")))?;
        if read != body.len() {
            return Err(ReplayError::Format(format!(
                "{} bytes follow its body",
                body.len() - read
            )));
        }
        Ok(recording)
    }

    /// What an operator lists of it.
    pub fn summary(&self) -> Summary {
        let events = self.entries.iter().filter(|e| matches!(e, Entry::Drive(_)));
        Summary {
            app: self.app.clone(),
            version: self.version.clone(),
            outcome: self.outcome.clone(),
            events: events.count() as u32,
            bytes: self.bytes,
            recorded_at_unix_ms: self.recorded_at_unix_ms,
            not_replayable: self.not_replayable.clone(),
        }
    }
}

/// What a replay did.
pub struct Replayed {
    /// What the last input did on replay (`Some(Trapped)` when reproduced).
    pub outcome: Option<Outcome>,
    /// Whether the replay's outcome matches the recording's.
    pub reproduced: bool,
    /// The route of the page the instance was on.
    pub route: String,
    /// The page's data at the failing moment.
    pub page_data: serde_json::Value,
    /// The replayed instance.
    pub instance: AppInstance,
}

/// Re-run `recording` against `package` deterministically: a fresh
/// instance of it, loaded in `runtime` (whose policy grants it as the
/// recording's host did), fed the recorded inputs in order, every host
/// call answered from the recording without its side effects except the
/// app's output to its own page. Refused for another package, a recording
/// that is not replayable, or a guest that asks for something the
/// recording does not hold next ([`ReplayError::Diverged`]). The instance
/// returned runs live from there.
pub async fn replay(
    runtime: &Runtime,
    package: &Package,
    recording: &Recording,
) -> Result<Replayed, ReplayError> {
    if package.hash != recording.package_hash {
        return Err(ReplayError::OtherPackage {
            recorded: format!(
                "{} {} ({})",
                recording.app, recording.version, recording.package_hash
            ),
            given: format!(
                "{} {} ({})",
                package.manifest.id, package.manifest.version, package.hash
            ),
        });
    }
    if let Some(why) = &recording.not_replayable {
        return Err(ReplayError::NotReplayable(why.clone()));
    }
    let tape = Tape::replaying(recording.entries.clone());
    let launch = match tape.next_drive()? {
        Some(first) => match serde_json::from_slice::<Drive<'static>>(&first) {
            Ok(Drive::Launch(launch)) => launch,
            Ok(_) | Err(_) => {
                return Err(ReplayError::Format(
                    "it does not start with the instance's launch".into(),
                ));
            }
        },
        None => return Err(ReplayError::Format("it holds no entries".into())),
    };
    let app = runtime.load(package.clone())?;
    let launched =
        AppInstance::launch_replay(app.shared.clone(), &app.pre, launch.options(), tape.clone())
            .await;
    if let Some(diverged) = tape.diverged() {
        return Err(diverged);
    }
    let mut instance = match launched {
        Ok(instance) => instance,
        Err(e) => return replayed_launch_failure(recording, e),
    };
    let mut outcome = instance.take_failed();
    while let Some(drive) = tape.next_drive()? {
        let drive = serde_json::from_slice::<Drive<'static>>(&drive)
            .map_err(|e| ReplayError::Format(format!("an event does not decode: {e}")))?;
        let _ = instance.replay_drive(drive).await;
        if let Some(diverged) = tape.diverged() {
            return Err(diverged);
        }
        outcome = instance.take_failed();
    }
    tape.go_live();
    let (route, page_data) = instance.replayed_page();
    Ok(Replayed {
        reproduced: outcome.as_ref() == Some(&recording.outcome),
        outcome,
        route,
        page_data,
        instance,
    })
}

/// The replayed launch failed: said with how the recording ended.
fn replayed_launch_failure(
    recording: &Recording,
    error: crate::Error,
) -> Result<Replayed, ReplayError> {
    Err(ReplayError::LaunchFailed {
        recorded: recording.outcome.clone(),
        error: Box::new(error),
    })
}
