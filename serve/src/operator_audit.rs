//! The operator plane's audit file (`operator-audit.jsonl`): one JSON line
//! per operator call, bounded however many calls come and however long they
//! are. What a caller controls (the path) is cut to [`MAX_CALL_BYTES`];
//! refused calls (no valid token) are written one by one only up to
//! [`REFUSED_LINES_PER_SECOND`] a second, the rest counted and written as one
//! summary line; past [`MAX_FILE_BYTES`] the file is rotated to
//! `operator-audit.jsonl.1` (one old file kept), so the disk holds at most
//! twice that. Each line has one time field, `time_ms` (milliseconds since
//! the Unix epoch, as the app audit's records), the operator, the call,
//! its status, the client's address (`source`) and what the call acted on.

use std::path::Path;
use std::sync::Mutex;

use miniapp_runtime::platform::{ROTATE_BYTES, RotatingFile};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

/// Bytes of a call's text (method and path) kept in a line.
pub(crate) const MAX_CALL_BYTES: usize = 256;
/// Refused calls written one by one per second; the rest are counted.
pub(crate) const REFUSED_LINES_PER_SECOND: u32 = 100;
/// Size past which the file is rotated.
pub(crate) const MAX_FILE_BYTES: u64 = ROTATE_BYTES;

/// The audit file of the operator plane.
pub(crate) struct OperatorAudit {
    state: Mutex<State>,
}

struct State {
    file: RotatingFile,
    /// The second refused calls are being counted in: when it began, the
    /// lines written in it, and the calls not written.
    window: Instant,
    written: u32,
    unwritten: u64,
}

impl OperatorAudit {
    /// Append to (or create) the file at `path`.
    pub fn open(path: &Path) -> std::io::Result<OperatorAudit> {
        OperatorAudit::open_with(path, MAX_FILE_BYTES)
    }

    fn open_with(path: &Path, max_bytes: u64) -> std::io::Result<OperatorAudit> {
        Ok(OperatorAudit {
            state: Mutex::new(State {
                file: RotatingFile::open(path, max_bytes)?,
                window: Instant::now(),
                written: 0,
                unwritten: 0,
            }),
        })
    }

    /// Record `call` (of nobody: refused for want of a valid token).
    pub fn record(&self, call: &Call<'_>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.window.elapsed() >= Duration::from_secs(1) {
            state.summarise();
        }
        if call.operator.is_none() {
            if state.written >= REFUSED_LINES_PER_SECOND {
                state.unwritten += 1;
                return;
            }
            state.written += 1;
        }
        let mut line = json!({
            "time_ms": now_ms(),
            "operator": call.operator.unwrap_or("(no valid token)"),
            "call": cut(call.call),
            "status": call.status,
            "source": call.source,
        });
        if let (Some(acted), Some(line)) = (call.acted, line.as_object_mut()) {
            for (key, value) in acted {
                line.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        state.write(&line.to_string());
    }
}

/// One operator call, as its audit line says it.
pub(crate) struct Call<'a> {
    /// Who made it (`None`: no valid token).
    pub operator: Option<&'a str>,
    /// Its method and path (cut to [`MAX_CALL_BYTES`]).
    pub call: &'a str,
    /// The status answered.
    pub status: u16,
    /// The client's address.
    pub source: Option<&'a str>,
    /// What it acted on: the app, the version by number and hash, the
    /// percent, the reason, a rollback's `from` and `to` (the handler's,
    /// each bounded there).
    pub acted: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

impl State {
    /// Close the current second: one line for the refused calls it did not
    /// write, if any.
    fn summarise(&mut self) {
        let unwritten = std::mem::take(&mut self.unwritten);
        if unwritten > 0 {
            let line = json!({
                "time_ms": now_ms(),
                "operator": "(no valid token)",
                "refused_unwritten": unwritten,
                "note": format!(
                    "{unwritten} more refused calls in {:.1} s, past {REFUSED_LINES_PER_SECOND} lines a second",
                    self.window.elapsed().as_secs_f64()
                ),
            });
            self.write(&line.to_string());
        }
        self.window = Instant::now();
        self.written = 0;
    }

    fn write(&mut self, line: &str) {
        if let Err(e) = self.file.write_line(line) {
            tracing::error!("cannot write the operator audit file: {e}");
        }
    }
}

impl Drop for OperatorAudit {
    fn drop(&mut self) {
        self.state
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .summarise();
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// `call` cut to [`MAX_CALL_BYTES`], saying how long it was.
fn cut(call: &str) -> std::borrow::Cow<'_, str> {
    miniapp_runtime::text::cut(call, MAX_CALL_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(call: &str) -> Call<'_> {
        Call {
            operator: None,
            call,
            status: 401,
            source: Some("192.0.2.7"),
            acted: None,
        }
    }

    fn by_ops(call: &str) -> Call<'_> {
        Call {
            operator: Some("ops"),
            status: 200,
            ..refused(call)
        }
    }

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_flood_of_refused_calls_with_long_paths_writes_a_few_short_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operator-audit.jsonl");
        let audit = OperatorAudit::open(&path).unwrap();
        let long = format!("GET /{}", "a".repeat(15_000));
        let began = Instant::now();
        for _ in 0..10_000 {
            audit.record(&refused(&long));
        }
        let seconds = began.elapsed().as_secs() + 1;
        audit.record(&by_ops("POST /v1/operator/apps/demo/kill"));
        drop(audit);
        let written = lines(&path);
        // However fast the calls came: at most 100 a second written, the
        // rest counted in a summary line per second.
        let refused: Vec<_> = written.iter().filter(|l| l["status"] == 401).collect();
        let summarised: u64 = (written.iter())
            .filter_map(|l| l["refused_unwritten"].as_u64())
            .sum();
        assert_eq!(refused.len() as u64 + summarised, 10_000, "{written:?}");
        let most = u64::from(REFUSED_LINES_PER_SECOND) * seconds;
        assert!(
            refused.len() as u64 <= most,
            "{} in {seconds} s",
            refused.len()
        );
        for line in &refused {
            let call = line["call"].as_str().unwrap();
            assert!(call.len() <= MAX_CALL_BYTES + 32, "{}", call.len());
            assert!(call.ends_with("... (15005 bytes)"), "{call}");
        }
        assert!(written.iter().any(|l| l["operator"] == "ops"));
        let bytes = std::fs::metadata(&path).unwrap().len();
        assert!(bytes <= 400 * most, "{bytes} bytes in {seconds} s");
    }

    #[test]
    fn past_its_size_the_file_is_rotated_keeping_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("operator-audit.jsonl");
        let audit = OperatorAudit::open_with(&path, 10_000).unwrap();
        for n in 0..1_000 {
            audit.record(&by_ops(&format!("GET /v1/operator/apps/{n}")));
        }
        drop(audit);
        let old = dir.path().join("operator-audit.jsonl.1");
        for file in [&path, &old] {
            assert!(std::fs::metadata(file).unwrap().len() <= 10_000);
        }
        let last = lines(&path).pop().unwrap();
        assert_eq!(last["call"], "GET /v1/operator/apps/999");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
