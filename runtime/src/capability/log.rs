//! `log`: levelled app logs, bounded per event, and until the embedder
//! drains them by the instance's host memory budget. The app's stdout and
//! stderr land here too (see [`wasi`](super::wasi)).

use std::sync::{Arc, Mutex};

use serde::Serialize;
use wasmtime::component::{HasData, Linker};

use super::{CallError, CallResult, refusals_recorded};
use crate::app::AppShared;
use crate::audit::EventAudit;
use crate::bindings::log;
use crate::instance::InstanceState;
use crate::limits::HostMemory;

/// What the host holds for a log line beyond its text, bytes.
const LINE_OVERHEAD: u64 = 64;

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something odd.
    Warn,
    /// A failure.
    Error,
}

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogSource {
    /// The `log` interface.
    Api,
    /// The app's stdout.
    Stdout,
    /// The app's stderr (panic messages land here).
    Stderr,
    /// The host, about the app (limits reached).
    Host,
}

/// One log line of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// Where it came from.
    pub source: LogSource,
    /// The text.
    pub message: String,
}

/// An app instance's log: lines since the host last drained it, and the
/// volume logged in the current event.
#[derive(Debug)]
pub struct AppLog {
    records: Vec<LogRecord>,
    event_bytes: u64,
    limit: u64,
    budget: Arc<HostMemory>,
    held: u64,
    /// The undrained host notice about dropped lines, and the lines it counts.
    notice: Option<(usize, u64)>,
}

/// A log shared by the `log` interface and the captured stdio streams.
pub type SharedLog = Arc<Mutex<AppLog>>;

impl AppLog {
    /// An empty log allowing `limit` bytes per event, its undrained lines
    /// charged to `budget`.
    pub(crate) fn shared(limit: u64, budget: Arc<HostMemory>) -> SharedLog {
        Arc::new(Mutex::new(AppLog {
            records: Vec::new(),
            event_bytes: 0,
            limit,
            budget,
            held: 0,
            notice: None,
        }))
    }

    /// Append a line unless the event's volume or the host memory budget is
    /// used up; otherwise the line is dropped (counted in one host notice until
    /// the next drain) and the refusal returned.
    pub fn push(
        &mut self,
        level: LogLevel,
        source: LogSource,
        message: &str,
    ) -> Result<(), String> {
        // A line costs its text and its line break: empty lines are not free.
        let size = message.len() as u64 + 1;
        let refused = if self.event_bytes + size > self.limit {
            Some(format!(
                "log limit of {} bytes per event reached",
                self.limit
            ))
        } else {
            self.budget.charge(size + LINE_OVERHEAD, "a log line").err()
        };
        if let Some(why) = refused {
            self.note_dropped(&why);
            return Err(why);
        }
        self.event_bytes += size;
        self.held += size + LINE_OVERHEAD;
        self.records.push(LogRecord {
            level,
            source,
            message: message.to_string(),
        });
        Ok(())
    }

    /// Say that a line was dropped, in one host notice until the log is
    /// drained (so the notices themselves stay bounded, uncharged).
    fn note_dropped(&mut self, why: &str) {
        let message = |dropped: u64| {
            format!("{why}; {dropped} line(s) dropped since the log was last collected")
        };
        match &mut self.notice {
            Some((at, dropped)) => {
                *dropped += 1;
                self.records[*at].message = message(*dropped);
            }
            None => {
                self.notice = Some((self.records.len(), 1));
                self.records.push(LogRecord {
                    level: LogLevel::Warn,
                    source: LogSource::Host,
                    message: message(1),
                });
            }
        }
    }

    /// Bytes logged in the current event.
    pub fn event_bytes(&self) -> u64 {
        self.event_bytes
    }

    /// Start counting a new event's volume.
    pub fn start_event(&mut self) {
        self.event_bytes = 0;
    }

    /// Take the lines logged so far.
    pub fn drain(&mut self) -> Vec<LogRecord> {
        self.budget.release(std::mem::take(&mut self.held));
        self.notice = None;
        std::mem::take(&mut self.records)
    }
}

impl Drop for AppLog {
    fn drop(&mut self) {
        self.budget.release(self.held);
    }
}

/// The `log` interface as one host call sees it.
pub(crate) struct Log<'a> {
    log: &'a SharedLog,
    app: &'a AppShared,
    audit: &'a EventAudit,
}

refusals_recorded!(Log);

struct HasLog;

impl HasData for HasLog {
    type Data<'a> = Log<'a>;
}

/// The `log` view of an instance's state.
pub(crate) fn log_view(s: &mut InstanceState) -> Log<'_> {
    Log {
        log: &s.log,
        app: &s.app,
        audit: &s.audit,
    }
}

/// Link `log`, and `types` (no functions; its refusal conversion is each view's).
pub(crate) fn add_to_linker(linker: &mut Linker<InstanceState>) -> wasmtime::Result<()> {
    crate::bindings::types::add_to_linker::<_, HasLog>(linker, log_view)?;
    log::add_to_linker::<_, HasLog>(linker, log_view)
}

impl log::Host for Log<'_> {
    fn write(&mut self, level: log::Level, message: String) -> CallResult<()> {
        let level = match level {
            log::Level::Debug => LogLevel::Debug,
            log::Level::Info => LogLevel::Info,
            log::Level::Warn => LogLevel::Warn,
            log::Level::Error => LogLevel::Error,
        };
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.push(level, LogSource::Api, &message)
            .map_err(CallError::quota)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_is_bounded_per_event_with_one_notice() {
        let log = AppLog::shared(10, HostMemory::new(1 << 20));
        let mut log = log.lock().unwrap();
        assert!(log.push(LogLevel::Info, LogSource::Api, "1234").is_ok());
        assert!(log.push(LogLevel::Info, LogSource::Api, "1234").is_ok());
        assert!(log.push(LogLevel::Info, LogSource::Api, "").is_err());
        assert!(log.push(LogLevel::Info, LogSource::Api, "1").is_err());
        let lines = log.drain();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].message.contains("log limit of 10 bytes"));
        log.start_event();
        assert!(log.push(LogLevel::Info, LogSource::Api, "again").is_ok());
    }

    #[test]
    fn undrained_lines_are_bounded_by_the_host_budget() {
        let budget = HostMemory::new(1000);
        let log = AppLog::shared(10_000, budget.clone());
        let mut log = log.lock().unwrap();
        let line = "x".repeat(100);
        let mut kept = 0;
        for _ in 0..5 {
            log.start_event();
            while log.push(LogLevel::Info, LogSource::Api, &line).is_ok() {
                kept += 1;
            }
        }
        assert_eq!(kept, 1000 / (101 + LINE_OVERHEAD as usize));
        assert!(budget.used() <= 1000);
        let lines = log.drain();
        assert!(
            lines
                .iter()
                .any(|l| l.message.contains("host memory budget"))
        );
        assert_eq!(budget.used(), 0);
        log.start_event();
        assert!(log.push(LogLevel::Info, LogSource::Api, &line).is_ok());
    }
}
