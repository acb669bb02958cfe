//! The recordings of failing events this node keeps for its operator
//! (`docs/replay.md`). When an event, a completion or a lifetime of an
//! instance traps or is refused, the runtime keeps what the instance saw
//! ([`Recording`]); the host takes it after the action
//! ([`Host::keep_recording`](crate::Host::keep_recording)) and hands it to
//! this node's writer thread, never writing on an async worker nor before
//! the event's answer: a full queue drops it. The writer keeps it under
//! `DATA_DIR/recordings/APP/` within the app's budget on this node (the
//! policy's `[recordings]`: how many, how many bytes; past either the new
//! recording is dropped, counted in `miniapp_recordings_dropped_total` and
//! written to the app's audit, never an error to its user), and a
//! recording past its age is deleted by the periodic pass and by every
//! listing. Each recording is two files: `ID.rec`, its bytes, and
//! `ID.json`, what the operator lists, written last: a recording without
//! it is not listed, and the next start deletes it. Recordings are this
//! node's (on many nodes, each keeps those of the sessions it served).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use miniapp_runtime::App;
use miniapp_runtime::config::RecordingsPolicy;
use miniapp_runtime::replay::{Outcome, Recording};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::metrics::{Metrics, RecordingLabel, VersionLabel};

/// Recordings waiting for the writer; past this many a new one is dropped.
const QUEUE: usize = 16;

/// What a node keeps of one app's recordings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Recordings kept at once (0: none).
    pub per_app: u32,
    /// Bytes they take on disk together.
    pub bytes_per_app: u64,
    /// How long one is kept.
    pub keep: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            per_app: 50,
            bytes_per_app: 64 * 1024 * 1024,
            keep: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl Bounds {
    /// The policy's `[recordings]`, each bound it leaves out the default.
    pub fn from_policy(policy: &RecordingsPolicy) -> Bounds {
        let default = Bounds::default();
        Bounds {
            per_app: policy.per_app.unwrap_or(default.per_app),
            bytes_per_app: policy.bytes_per_app.unwrap_or(default.bytes_per_app),
            keep: policy.keep_secs.map_or(default.keep, Duration::from_secs),
        }
    }
}

/// One kept recording, as the operator lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    /// Its id on this node (`RECORDED_AT_MS-RANDOM`).
    pub id: String,
    /// The app.
    pub app: String,
    /// The package version the instance ran.
    pub version: String,
    /// The package's hash (what `miniapp replay` needs).
    pub package_hash: String,
    /// `trapped` or `refused`.
    pub outcome: String,
    /// The trap's or the refusal's message.
    pub message: String,
    /// The inputs the host gave the instance.
    pub events: u32,
    /// Its bytes on disk.
    pub bytes: u64,
    /// When it was recorded, milliseconds since the Unix epoch.
    pub recorded_at_ms: u64,
    /// When it is deleted, milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
    /// Why it cannot be replayed, if it cannot (its instance's ring passed
    /// its bound: docs/replay.md).
    #[serde(default)]
    pub not_replayable: Option<String>,
}

/// The recordings this node keeps.
pub struct Recordings {
    inner: Arc<Inner>,
    queue: SyncSender<(App, Recording)>,
}

struct Inner {
    dir: PathBuf,
    bounds: Bounds,
    /// Each app's recordings on disk, oldest first.
    held: Mutex<HashMap<String, Vec<Listed>>>,
    kept: Family<VersionLabel, Counter>,
    dropped: Family<RecordingLabel, Counter>,
}

impl Recordings {
    /// The recordings under `dir` (made, mode 0700, if missing: they hold
    /// what users did), read back, those past their age or half-written
    /// deleted; a writer thread is started, counting in `metrics`.
    pub fn open(dir: &Path, bounds: Bounds, metrics: &Metrics) -> std::io::Result<Recordings> {
        make_private_dir(dir)?;
        let held = read_all(dir, now_ms())?;
        let inner = Arc::new(Inner {
            dir: dir.to_path_buf(),
            bounds,
            held: Mutex::new(held),
            kept: metrics.recordings_kept.clone(),
            dropped: metrics.recordings_dropped.clone(),
        });
        let (queue, jobs) = std::sync::mpsc::sync_channel(QUEUE);
        let writer = inner.clone();
        std::thread::Builder::new()
            .name("miniapp-recordings".into())
            .spawn(move || writer.write_all(jobs))?;
        Ok(Recordings { inner, queue })
    }

    /// Keep `recording` of an instance of `app`, later, on the writer
    /// thread; dropped (counted, audited) when the writer has
    /// `QUEUE` (16) waiting.
    pub fn offer(&self, app: &App, recording: Recording) {
        match self.queue.try_send((app.clone(), recording)) {
            Ok(()) => {}
            Err(
                TrySendError::Full((app, recording)) | TrySendError::Disconnected((app, recording)),
            ) => {
                let why = format!("this node's recordings writer has {QUEUE} recordings waiting");
                self.inner.drop_one(&app, &recording, "queue", &why);
            }
        }
    }

    /// `app`'s recordings, oldest first (those past their age deleted first).
    pub fn list(&self, app: &str) -> Vec<Listed> {
        let mut held = self.inner.lock();
        self.inner.expire(&mut held, now_ms());
        held.get(app).cloned().unwrap_or_default()
    }

    /// The bytes of `app`'s recording `id`.
    pub fn bytes(&self, app: &str, id: &str) -> Result<Vec<u8>, ApiError> {
        let listed = self.find(app, id)?;
        let path = self.inner.file(&listed.app, &listed.id, "rec");
        std::fs::read(&path)
            .map_err(|e| ApiError::internal(format!("cannot read recording `{id}`: {e}")))
    }

    /// Delete `app`'s recording `id`.
    pub fn delete(&self, app: &str, id: &str) -> Result<Listed, ApiError> {
        let listed = self.find(app, id)?;
        let mut held = self.inner.lock();
        if let Some(list) = held.get_mut(app) {
            list.retain(|l| l.id != listed.id);
        }
        self.inner.remove_files(app, id);
        Ok(listed)
    }

    /// Delete the recordings past their age (the periodic pass).
    pub fn expire(&self) {
        let mut held = self.inner.lock();
        self.inner.expire(&mut held, now_ms());
    }

    /// `app`'s recording `id`, or 404 naming what is missing.
    fn find(&self, app: &str, id: &str) -> Result<Listed, ApiError> {
        (self.list(app).into_iter().find(|l| l.id == id)).ok_or_else(|| {
            ApiError::not_found(format!(
                "no recording `{id}` of `{app}` on this node (expired, deleted, or kept by \
                 another node)"
            ))
        })
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Listed>>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The writer: keep each recording sent until every sender is gone;
    /// one not kept is counted and audited.
    fn write_all(&self, jobs: Receiver<(App, Recording)>) {
        for (app, recording) in jobs {
            match self.keep(&recording, now_ms()) {
                Ok(_) => {
                    let label = crate::metrics::version_label(&app);
                    self.kept.get_or_create(&label).inc();
                }
                Err((reason, why)) => self.drop_one(&app, &recording, reason, &why),
            }
        }
    }

    /// Keep `recording` at `now` within the app's bounds; or why not (the
    /// reason's label and the sentence).
    fn keep(&self, recording: &Recording, now: u64) -> Result<Listed, (&'static str, String)> {
        let bytes = recording.to_bytes();
        let mut held = self.lock();
        self.expire(&mut held, now);
        let list = held.entry(recording.app.clone()).or_default();
        let used: u64 = list.iter().map(|l| l.bytes).sum();
        let bounds = self.bounds;
        if list.len() as u64 >= u64::from(bounds.per_app) {
            let why = format!(
                "it has {} recordings on this node, the policy's `[recordings] per_app`",
                list.len()
            );
            return Err(("count", why));
        }
        if used + bytes.len() as u64 > bounds.bytes_per_app {
            let why = format!(
                "its recordings on this node hold {used} bytes, and this one's {} would pass \
                 the policy's `[recordings] bytes_per_app` ({})",
                bytes.len(),
                bounds.bytes_per_app
            );
            return Err(("bytes", why));
        }
        let listed = listed(recording, &bytes, now, bounds.keep);
        if let Err(e) = self.write_files(&listed, &bytes) {
            self.remove_files(&listed.app, &listed.id);
            return Err(("write", format!("the disk refused it: {e}")));
        }
        list.push(listed.clone());
        Ok(listed)
    }

    /// Count and audit a recording not kept.
    fn drop_one(&self, app: &App, recording: &Recording, reason: &str, why: &str) {
        let label = RecordingLabel {
            app: recording.app.clone(),
            reason: reason.into(),
        };
        self.dropped.get_or_create(&label).inc();
        let message = format!(
            "a recording of an event that {} was not kept: {why}",
            outcome_name(&recording.outcome).0
        );
        tracing::warn!(app = recording.app, reason, "{message}");
        app.audit_dropped_for_budget(message);
    }

    /// Delete every recording past its age at `now`.
    fn expire(&self, held: &mut HashMap<String, Vec<Listed>>, now: u64) {
        for (app, list) in held.iter_mut() {
            list.retain(|l| {
                let keep = l.expires_at_ms > now;
                if !keep {
                    self.remove_files(app, &l.id);
                }
                keep
            });
        }
        held.retain(|_, list| !list.is_empty());
    }

    fn file(&self, app: &str, id: &str, ext: &str) -> PathBuf {
        self.dir.join(app).join(format!("{id}.{ext}"))
    }

    /// Write the bytes, then what is listed, each whole (a temporary file
    /// renamed).
    fn write_files(&self, listed: &Listed, bytes: &[u8]) -> std::io::Result<()> {
        make_private_dir(&self.dir.join(&listed.app))?;
        let json = serde_json::to_vec(listed).map_err(std::io::Error::other)?;
        write_whole(&self.file(&listed.app, &listed.id, "rec"), bytes)?;
        write_whole(&self.file(&listed.app, &listed.id, "json"), &json)
    }

    fn remove_files(&self, app: &str, id: &str) {
        for ext in ["json", "rec"] {
            let _ = std::fs::remove_file(self.file(app, id, ext));
        }
    }
}

/// What is listed of `recording`, encoded as `bytes`, kept at `now`.
fn listed(recording: &Recording, bytes: &[u8], now: u64, keep: Duration) -> Listed {
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("the OS gives random bytes");
    let (outcome, message) = outcome_name(&recording.outcome);
    let summary = recording.summary();
    Listed {
        id: format!("{now:013}-{}", hex::encode(random)),
        app: recording.app.clone(),
        version: recording.version.clone(),
        package_hash: recording.package_hash.clone(),
        outcome: outcome.into(),
        message: message.into(),
        events: summary.events,
        bytes: bytes.len() as u64,
        recorded_at_ms: now,
        expires_at_ms: now.saturating_add(keep.as_millis() as u64),
        not_replayable: summary.not_replayable,
    }
}

/// An outcome's name and message.
fn outcome_name(outcome: &Outcome) -> (&'static str, &str) {
    match outcome {
        Outcome::Trapped { message } => ("trapped", message),
        Outcome::Refused { message } => ("refused", message),
    }
}

/// Whether `id` is one this module makes (so it names no other file).
pub fn is_id(id: &str) -> bool {
    let Some((at, random)) = id.split_once('-') else {
        return false;
    };
    at.len() == 13
        && at.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 8
        && random
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Every app's recordings under `dir`, oldest first; those past their age
/// at `now` and those half-written (no `.json`, or one that does not read)
/// deleted.
fn read_all(dir: &Path, now: u64) -> std::io::Result<HashMap<String, Vec<Listed>>> {
    let mut held = HashMap::new();
    for app in std::fs::read_dir(dir)? {
        let app = app?;
        let name = app.file_name().to_string_lossy().into_owned();
        if !app.file_type()?.is_dir() || miniapp_runtime::config::validate_app_id(&name).is_err() {
            continue;
        }
        let mut list = Vec::new();
        for file in std::fs::read_dir(app.path())? {
            let path = file?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            let Some(id) = (path.file_stem())
                .and_then(|s| s.to_str())
                .filter(|s| is_id(s))
            else {
                continue;
            };
            let read = std::fs::read(path.with_extension("json")).ok();
            let listed = read.and_then(|b| serde_json::from_slice::<Listed>(&b).ok());
            let whole = path.with_extension("rec").exists();
            match listed {
                Some(l) if whole && l.id == id && l.app == name && l.expires_at_ms > now => {
                    if !list.iter().any(|k: &Listed| k.id == l.id) {
                        list.push(l);
                    }
                }
                _ => {
                    let _ = std::fs::remove_file(path.with_extension("json"));
                    let _ = std::fs::remove_file(path.with_extension("rec"));
                }
            }
        }
        list.sort_by(|a, b| a.id.cmp(&b.id));
        if !list.is_empty() {
            held.insert(name, list);
        }
    }
    Ok(held)
}

/// Write `bytes` to `path` whole: a temporary file beside it, then renamed.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(bytes)?;
    drop(file);
    std::fs::rename(&temporary, path)
}

/// Make `dir` (and its parents), readable by this user only.
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(app: &str, message: &str) -> Recording {
        Recording {
            format: miniapp_runtime::replay::FORMAT,
            app: app.into(),
            version: "0.1.0".into(),
            package_hash: "ab".repeat(32),
            recorded_at_unix_ms: 1,
            outcome: Outcome::Trapped {
                message: message.into(),
            },
            entries: Vec::new(),
            not_replayable: None,
            bytes: 0,
        }
    }

    fn inner(dir: &Path, bounds: Bounds) -> Inner {
        let metrics = Metrics::default();
        Inner {
            dir: dir.to_path_buf(),
            bounds,
            held: Mutex::default(),
            kept: metrics.recordings_kept.clone(),
            dropped: metrics.recordings_dropped.clone(),
        }
    }

    #[test]
    fn past_a_bound_a_new_recording_is_dropped_and_the_kept_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let one = recording("demo.todo", "first").to_bytes().len() as u64;
        let bounds = Bounds {
            per_app: 2,
            bytes_per_app: 2 * one + one / 2,
            keep: Duration::from_secs(60),
        };
        let kept = inner(dir.path(), bounds);
        let first = kept.keep(&recording("demo.todo", "first"), 1_000).unwrap();
        let second = kept.keep(&recording("demo.todo", "later"), 1_001).unwrap();
        let (reason, why) = kept
            .keep(&recording("demo.todo", "third"), 1_002)
            .unwrap_err();
        assert_eq!(reason, "count", "{why}");
        // Another app has its own budget.
        kept.keep(&recording("demo.shop", "first"), 1_003).unwrap();
        let held = kept.lock()["demo.todo"].clone();
        assert_eq!(held, vec![first.clone(), second]);
        assert_eq!(first.expires_at_ms, 61_000);
        assert!(is_id(&first.id), "{}", first.id);
        // The bytes bound: a recording larger than what is left.
        let small = Bounds {
            per_app: 10,
            bytes_per_app: 16,
            ..bounds
        };
        let small = inner(dir.path(), small);
        let (reason, why) = small.keep(&recording("demo.news", "x"), 1_000).unwrap_err();
        assert_eq!(reason, "bytes", "{why}");
        assert!(why.contains("bytes_per_app"), "{why}");
        assert!(!dir.path().join("demo.news").exists());
    }

    #[test]
    fn a_recording_past_its_age_is_deleted_and_a_restart_reads_the_rest_back() {
        let dir = tempfile::tempdir().unwrap();
        let bounds = Bounds {
            keep: Duration::from_millis(100),
            ..Bounds::default()
        };
        let kept = inner(dir.path(), bounds);
        let old = kept.keep(&recording("demo.todo", "old"), 1_000).unwrap();
        let new = kept.keep(&recording("demo.todo", "new"), 1_050).unwrap();
        let rec = dir.path().join("demo.todo").join(format!("{}.rec", old.id));
        assert!(rec.exists());
        kept.expire(&mut kept.lock(), 1_100);
        assert_eq!(kept.lock()["demo.todo"], vec![new.clone()]);
        assert!(!rec.exists() && !rec.with_extension("json").exists());
        // A half-written one (its list file missing) is not read back.
        let half = dir.path().join("demo.todo/0000000001200-0a0b0c0d.rec");
        std::fs::write(&half, b"half").unwrap();
        let read = read_all(dir.path(), 1_100).unwrap();
        assert_eq!(read["demo.todo"], vec![new.clone()]);
        assert!(!half.exists());
        assert!(read_all(dir.path(), 1_150).unwrap().is_empty());
    }

    #[test]
    fn ids_name_no_other_file() {
        assert!(is_id("1765000000000-0a1b2c3d"));
        for bad in [
            "..",
            "../x",
            "1765000000000-0A1B2C3D",
            "1765000000000-0a1b2c3",
            "x-0a1b2c3d",
            "",
        ] {
            assert!(!is_id(bad), "{bad}");
        }
    }
}
