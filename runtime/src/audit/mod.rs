//! The audit stream: every permission check that denied, every consent
//! decision, every quota hit and trap, and every quarantine, with app id,
//! version and time. Written as JSON lines by [`JsonLinesAudit`] (by default
//! `audit.jsonl` in the data directory).

use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use miniapp_config::Scope;

mod budget;
pub(crate) mod file;

pub(crate) use budget::{AuditTarget, Decided, DiskDays, EventAudit, Written, cut_message};
use file::{KEPT_DAYS, ROTATE_BYTES, RotatingFile};

pub(crate) mod logged;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AuditEvent {
    /// A host call was refused for lack of a grant.
    Denied {
        /// The refusal, as the app saw it.
        message: String,
    },
    /// A host call hit a quota.
    QuotaExceeded {
        /// The refusal, as the app saw it.
        message: String,
    },
    /// A consent decision was made.
    Consent {
        /// The scope.
        scope: Scope,
        /// Granted or denied.
        granted: bool,
        /// Who decided (`user`: the host's consent provider).
        by: &'static str,
    },
    /// A stored consent grant was forgotten, so the user is asked again.
    ConsentReset {
        /// The scope.
        scope: Scope,
        /// Why.
        reason: String,
    },
    /// A consent decision was changed from the host's settings.
    ConsentChanged {
        /// The scope.
        scope: Scope,
        /// The user, if the decision is per user.
        user: Option<String>,
        /// `granted`, `denied` or `not-asked`.
        state: &'static str,
    },
    /// The app trapped; its instance was discarded.
    Trap {
        /// The hook it trapped in.
        hook: String,
        /// What kind of limit or fault.
        trap: crate::trap_kind::TrapKind,
        /// What happened.
        reason: String,
    },
    /// The app exhausted its crash budget and was quarantined.
    Quarantined {
        /// Why.
        reason: String,
    },
    /// The operator lifted a quarantine.
    QuarantineLifted,
    /// An event the view's client reported was refused before it reached
    /// the app: its detail is not one the rendered component could have
    /// produced (a forged or broken client), or is over the size limit.
    EventRefused {
        /// The refusal, naming the component, the event and the value.
        message: String,
    },
    /// A package was refused at load.
    Refused {
        /// Why.
        reason: String,
    },
    /// A disk budget of the app ran out: its later audit records are
    /// dropped (and counted in its usage figures).
    DiskBudget {
        /// Which budget, and until when.
        message: String,
        /// Records dropped, when known (at the end of an event).
        #[serde(skip_serializing_if = "Option::is_none")]
        dropped: Option<u64>,
    },
}

/// One line of the audit stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// The app id.
    pub app: String,
    /// The app version.
    pub version: String,
    /// What happened.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// For a summary line: how many more times the same event happened in
    /// the same callback after it was first recorded (0, and absent from the
    /// JSON, for a plain record).
    #[serde(skip_serializing_if = "is_zero")]
    pub repeated: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl AuditRecord {
    /// A record of `event` for app `app` at `version`, now.
    pub fn now(app: &str, version: &str, event: AuditEvent) -> AuditRecord {
        AuditRecord {
            time_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or_default(),
            app: app.to_string(),
            version: version.to_string(),
            event,
            repeated: 0,
        }
    }
}

/// Host calls of an instance refused so far, counted whether or not their
/// audit records were written (see [`crate::AppInstance::refusals`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refusals {
    /// Refused for lack of a grant (`permission-denied`).
    pub denied: u64,
    /// Refused by a quota (`quota-exceeded`).
    pub quota: u64,
}

impl Refusals {
    /// The refusals since `before` (an earlier reading of the same instance).
    pub fn since(self, before: Refusals) -> Refusals {
        Refusals {
            denied: self.denied.saturating_sub(before.denied),
            quota: self.quota.saturating_sub(before.quota),
        }
    }

    /// Whether there were none.
    pub fn is_none(self) -> bool {
        self == Refusals::default()
    }
}

/// Where audit records go.
pub trait AuditSink: Send + Sync {
    /// Record one event. Must not fail the caller: a sink that cannot write
    /// reports that its own way.
    fn record(&self, record: &AuditRecord);
}

/// Appends records as JSON lines to a file, written per line, rotated past
/// [`ROTATE_BYTES`] and each UTC day, keeping [`KEPT_DAYS`] old files
/// (`NAME.1` the newest); reopened at its path after
/// [`reopen_files`](crate::platform::reopen_files).
pub struct JsonLinesAudit {
    file: Mutex<RotatingFile>,
}

impl JsonLinesAudit {
    /// Append to (or create) the file at `path`.
    pub fn open(path: &Path) -> std::io::Result<JsonLinesAudit> {
        Ok(JsonLinesAudit {
            file: Mutex::new(RotatingFile::daily(path, ROTATE_BYTES, KEPT_DAYS)?),
        })
    }
}

impl AuditSink for JsonLinesAudit {
    fn record(&self, record: &AuditRecord) {
        // Operators read this file in a terminal (`tail -f`): app text in
        // it is escaped as on the CLI (`text::json_line`).
        let Ok(value) = serde_json::to_value(record) else {
            return;
        };
        let line = crate::text::json_line(&value);
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_line(&line) {
            tracing::error!("cannot write the audit stream ({e}): {line}");
        }
    }
}

/// Keeps records in memory (for tests and embedders that ship them elsewhere).
#[derive(Default)]
pub struct MemoryAudit {
    records: Mutex<Vec<AuditRecord>>,
}

impl MemoryAudit {
    /// The records so far.
    pub fn records(&self) -> Vec<AuditRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl AuditSink for MemoryAudit {
    fn record(&self, record: &AuditRecord) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_text_in_the_audit_file_cannot_reach_a_terminal_raw() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let audit = JsonLinesAudit::open(&path).unwrap();
        let message = "denied\n{\"forged\":1}\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}";
        let event = AuditEvent::Denied {
            message: message.into(),
        };
        audit.record(&AuditRecord::now("demo.app", "1.0.0", event));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        let line = text.trim_end_matches('\n');
        assert!(!line.chars().any(crate::text::is_unsafe), "{line}");
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(parsed["message"], message);
    }
}
