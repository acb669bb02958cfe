//! `log`: levelled app logs, bounded per event. The app's stdout and stderr
//! land here too (see [`wasi`](super::wasi)).

use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::CallResult;
use crate::bindings::log;
use crate::instance::InstanceState;

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
    dropped: u64,
}

/// A log shared by the `log` interface and the captured stdio streams.
pub type SharedLog = Arc<Mutex<AppLog>>;

impl AppLog {
    /// An empty log allowing `limit` bytes per event.
    pub fn shared(limit: u64) -> SharedLog {
        Arc::new(Mutex::new(AppLog {
            records: Vec::new(),
            event_bytes: 0,
            limit,
            dropped: 0,
        }))
    }

    /// Append a line unless the event's volume is used up; `false` if dropped.
    pub fn push(&mut self, level: LogLevel, source: LogSource, message: &str) -> bool {
        let size = message.len() as u64;
        if self.event_bytes + size > self.limit {
            if self.dropped == 0 {
                self.records.push(LogRecord {
                    level: LogLevel::Warn,
                    source: LogSource::Host,
                    message: format!(
                        "log limit of {} bytes per event reached; further lines of this event are dropped",
                        self.limit
                    ),
                });
            }
            self.dropped += 1;
            return false;
        }
        self.event_bytes += size;
        self.records.push(LogRecord {
            level,
            source,
            message: message.to_string(),
        });
        true
    }

    /// Bytes logged in the current event.
    pub fn event_bytes(&self) -> u64 {
        self.event_bytes
    }

    /// Start counting a new event's volume.
    pub fn start_event(&mut self) {
        self.event_bytes = 0;
        self.dropped = 0;
    }

    /// Take the lines logged so far.
    pub fn drain(&mut self) -> Vec<LogRecord> {
        std::mem::take(&mut self.records)
    }
}

impl log::Host for InstanceState {
    fn write(&mut self, level: log::Level, message: String) -> CallResult<()> {
        let level = match level {
            log::Level::Debug => LogLevel::Debug,
            log::Level::Info => LogLevel::Info,
            log::Level::Warn => LogLevel::Warn,
            log::Level::Error => LogLevel::Error,
        };
        let mut log = self.log.lock().expect("log lock");
        if log.push(level, LogSource::Api, &message) {
            Ok(())
        } else {
            Err(super::CallError::quota(format!(
                "log limit of {} bytes per event reached",
                log.limit
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_is_bounded_per_event_with_one_notice() {
        let log = AppLog::shared(10);
        let mut log = log.lock().unwrap();
        assert!(log.push(LogLevel::Info, LogSource::Api, "12345"));
        assert!(log.push(LogLevel::Info, LogSource::Api, "12345"));
        assert!(!log.push(LogLevel::Info, LogSource::Api, "1"));
        assert!(!log.push(LogLevel::Info, LogSource::Api, "1"));
        let lines = log.drain();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].message.contains("log limit of 10 bytes"));
        log.start_event();
        assert!(log.push(LogLevel::Info, LogSource::Api, "again"));
    }
}
