//! Traps, denials and quarantines of apps in the process's logs too (one
//! `tracing` event each, at `warn`, target `miniapp::audit`: with
//! `miniapp serve`'s JSON logs, one structured line on stderr with `app`,
//! `version`, `session`, `kind`, `repeated` and `message`), bounded twice: the records
//! reach a sink only within the app's audit budgets, with a refusal
//! repeated in a call summarised as one record and a count
//! (`budget.rs`), and past [`LOG_LINES_PER_SECOND`] a second the rest are
//! counted and said in one line, so a hostile guest cannot flood stderr.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{AuditEvent, AuditRecord, AuditSink};

/// Records logged one by one per second; the rest are counted.
pub const LOG_LINES_PER_SECOND: u32 = 20;

/// Bytes of an app's text (a refusal's message, a trap's reason) in a log
/// line.
const MAX_LOGGED_TEXT: usize = 256;

tokio::task_local! {
    /// The reference of the session whose call is running (see
    /// [`in_session`]).
    static SESSION: String;
}

/// Run `call` as a call of the embedder's session `id`: the log lines of
/// its records name the session by a reference, the first 12 hex digits of
/// the id's BLAKE3 hash (the same for all its calls; it tells nothing of
/// its user and, unlike the id, opens nothing).
pub async fn in_session<T>(id: &str, call: impl Future<Output = T>) -> T {
    let reference = blake3::hash(id.as_bytes()).to_hex()[..12].to_string();
    SESSION.scope(reference, call).await
}

/// A sink that passes every record on to another and logs the ones an
/// operator watches for.
pub struct LoggedAudit {
    inner: Arc<dyn AuditSink>,
    window: Mutex<Window>,
}

/// The second being counted: when it began, the lines logged in it, and
/// the records not logged.
struct Window {
    start: Instant,
    logged: u32,
    unlogged: u64,
}

impl LoggedAudit {
    /// Records go to `inner`; traps, denials and quarantines are logged too.
    pub fn new(inner: Arc<dyn AuditSink>) -> LoggedAudit {
        LoggedAudit {
            inner,
            window: Mutex::new(Window {
                start: Instant::now(),
                logged: 0,
                unlogged: 0,
            }),
        }
    }

    /// Whether one more line may be logged now; a second that ended with
    /// records not logged is said first.
    fn take_line(&self, now: Instant) -> bool {
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if now.saturating_duration_since(window.start) >= Duration::from_secs(1) {
            if window.unlogged > 0 {
                tracing::warn!(
                    target: "miniapp::audit",
                    unlogged = window.unlogged,
                    "{} more app records (traps, denials) in one second were not logged \
                     (at most {LOG_LINES_PER_SECOND} a second); the audit stream has them",
                    window.unlogged
                );
            }
            *window = Window {
                start: now,
                logged: 0,
                unlogged: 0,
            };
        }
        if window.logged >= LOG_LINES_PER_SECOND {
            window.unlogged += 1;
            return false;
        }
        window.logged += 1;
        true
    }
}

/// What a record logs: its kind and its text; `None` for records not logged.
fn logged(event: &AuditEvent) -> Option<(&'static str, String)> {
    match event {
        AuditEvent::Denied { message } => Some(("denied", message.clone())),
        AuditEvent::Trap { hook, trap, reason } => {
            Some(("trap", format!("{} in {hook}: {reason}", trap.name())))
        }
        AuditEvent::Quarantined { reason } => Some(("quarantined", reason.clone())),
        _ => None,
    }
}

impl AuditSink for LoggedAudit {
    fn record(&self, record: &AuditRecord) {
        self.inner.record(record);
        let Some((kind, text)) = logged(&record.event) else {
            return;
        };
        if !self.take_line(Instant::now()) {
            return;
        }
        let text = crate::text::cut(&text, MAX_LOGGED_TEXT);
        let session = SESSION.try_with(String::clone).unwrap_or_default();
        tracing::warn!(
            target: "miniapp::audit",
            app = %crate::text::printable(&record.app),
            version = %crate::text::printable(&record.version),
            session,
            kind,
            repeated = record.repeated,
            "{}",
            crate::text::printable(&text)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::MemoryAudit;
    use super::*;

    #[test]
    fn every_record_passes_on_and_a_second_logs_at_most_its_share() {
        let memory = Arc::new(MemoryAudit::default());
        let logged = LoggedAudit::new(memory.clone());
        let event = AuditEvent::Denied {
            message: "no".into(),
        };
        for _ in 0..100 {
            logged.record(&AuditRecord::now("demo.app", "1.0.0", event.clone()));
        }
        assert_eq!(memory.records().len(), 100);
        // By the clock given: a second's share, then the next second's.
        let start = logged.window.lock().unwrap().start + Duration::from_secs(5);
        let taken = (0..100).filter(|_| logged.take_line(start)).count();
        assert_eq!(taken, LOG_LINES_PER_SECOND as usize);
        assert_eq!(logged.window.lock().unwrap().unlogged, 80);
        assert!(logged.take_line(start + Duration::from_secs(1)));
        assert_eq!(logged.window.lock().unwrap().unlogged, 0);
    }

    #[test]
    fn traps_denials_and_quarantines_are_logged_other_records_not() {
        let denied = AuditEvent::Denied {
            message: "no grant".into(),
        };
        assert_eq!(logged(&denied), Some(("denied", "no grant".into())));
        let quarantined = AuditEvent::Quarantined {
            reason: "3 traps".into(),
        };
        assert_eq!(logged(&quarantined).unwrap().0, "quarantined");
        assert_eq!(logged(&AuditEvent::QuarantineLifted), None);
        let trap = AuditEvent::Trap {
            hook: "on-event index:attack".into(),
            trap: crate::trap_kind::TrapKind::Cpu,
            reason: "CPU quota exceeded".into(),
        };
        let text = "cpu in on-event index:attack: CPU quota exceeded";
        assert_eq!(logged(&trap), Some(("trap", text.into())));
    }
}
