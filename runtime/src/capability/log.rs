//! `log`: levelled app logs, bounded per event, and until the embedder
//! drains them by the instance's host memory budget. The app's stdout and
//! stderr land here too (see [`wasi`](super::wasi)).

use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::{CallError, CallResult, View};
use crate::bindings::log;
use crate::limits::HostMemory;

/// What the host holds for a log line beyond its text, bytes.
const LINE_OVERHEAD: u64 = 64;

/// How much of what the app wrote on stderr in the current event the host
/// keeps, bytes: the end of it, where a panic's message is.
const STDERR_TAIL: usize = 4096;

/// The longest panic message kept as a trap's reason, bytes.
const MAX_PANIC_MESSAGE: usize = 1024;

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
    /// The end of what the app wrote on stderr in the current event (at
    /// most [`STDERR_TAIL`] bytes, charged to `budget`), kept whole across
    /// writes: a panic's message is read from it when the call traps.
    stderr_tail: String,
    /// What `stderr_tail` is charged, bytes (its capacity).
    stderr_held: u64,
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
            stderr_tail: String::new(),
            stderr_held: 0,
        }))
    }

    /// Keep the end of what the app wrote on stderr in this event, where a
    /// panic's message lands (std writes it there before it aborts). What
    /// is kept is charged to the host memory budget; past it, nothing is
    /// kept (a trap then has no panic message to name).
    pub(crate) fn note_stderr(&mut self, text: &str) {
        let text = &text[ceil_boundary(text, text.len().saturating_sub(STDERR_TAIL))..];
        self.stderr_tail.push_str(text);
        let excess = self.stderr_tail.len().saturating_sub(STDERR_TAIL);
        self.stderr_tail
            .drain(..ceil_boundary(&self.stderr_tail, excess));
        let held = self.stderr_tail.capacity() as u64;
        if held > self.stderr_held {
            match self
                .budget
                .charge(held - self.stderr_held, "the end of the app's stderr")
            {
                Ok(()) => self.stderr_held = held,
                Err(_) => self.forget_stderr(),
            }
        }
    }

    /// Drop the kept stderr text and release what it held.
    fn forget_stderr(&mut self) {
        self.budget.release(std::mem::take(&mut self.stderr_held));
        self.stderr_tail = String::new();
    }

    /// The message of a panic the app wrote on stderr in this event
    /// (`panicked at src/lib.rs:12:5: the message`), as Rust's standard
    /// panic hook writes it; `None` if there is none.
    pub(crate) fn panic_message(&self) -> Option<String> {
        panic_message(&self.stderr_tail)
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

    /// Start counting a new event's volume (and forget the previous
    /// event's stderr).
    pub fn start_event(&mut self) {
        self.event_bytes = 0;
        self.forget_stderr();
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
        self.budget.release(self.held + self.stderr_held);
    }
}

/// The first char boundary of `text` at or after `at`.
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The last panic in `stderr`, as Rust's standard panic hook writes it:
///
/// ```text
/// thread '<unnamed>' (1) panicked at src/lib.rs:12:5:
/// the message
/// note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
/// ```
///
/// gives `panicked at src/lib.rs:12:5: the message` (a message of several
/// lines keeps its line breaks; a long one is cut at [`MAX_PANIC_MESSAGE`]).
fn panic_message(stderr: &str) -> Option<String> {
    const HEADER: &str = " panicked at ";
    let at = stderr.rfind(HEADER)?;
    // The header line starts with `thread 'NAME'` (then, in newer
    // toolchains, the thread's id in parentheses).
    let line_start = stderr[..at].rfind('\n').map_or(0, |i| i + 1);
    if !stderr[line_start..at].starts_with("thread '") {
        return None;
    }
    let rest = &stderr[at + HEADER.len()..];
    let (location, message) = rest.split_once('\n')?;
    let location = location.trim_end().strip_suffix(':')?;
    let message = match message.find("\nnote: ") {
        Some(end) => &message[..end],
        None if message.starts_with("note: ") => "",
        None => message,
    };
    let message = message.trim_end();
    let text = format!("panicked at {location}: {message}");
    Some(crate::text::cut(&text, MAX_PANIC_MESSAGE).into_owned())
}

super::linked_by!(view of SharedLog, log);

#[miniapp_runtime_macros::recorded(output)]
impl log::Host for View<'_, SharedLog> {
    fn write(&mut self, level: log::Level, message: String) -> CallResult<()> {
        let level = match level {
            log::Level::Debug => LogLevel::Debug,
            log::Level::Info => LogLevel::Info,
            log::Level::Warn => LogLevel::Warn,
            log::Level::Error => LogLevel::Error,
        };
        let mut log = self.ctx.lock().unwrap_or_else(|e| e.into_inner());
        log.push(level, LogSource::Api, &message)
            .map_err(CallError::quota)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_read_from_stderr_written_in_pieces() {
        let budget = HostMemory::new(1 << 20);
        let log = AppLog::shared(10_000, budget.clone());
        let mut log = log.lock().unwrap();
        assert_eq!(log.panic_message(), None);
        for piece in [
            "earlier line\n\nthread '<unnamed>' (1) pan",
            "icked at src/lib.rs:12:5:\nthe order ",
            "is gone\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        ] {
            log.note_stderr(piece);
        }
        assert_eq!(
            log.panic_message().as_deref(),
            Some("panicked at src/lib.rs:12:5: the order is gone")
        );
        assert!(budget.used() > 0);
        log.start_event();
        assert_eq!(log.panic_message(), None);
        assert_eq!(budget.used(), 0);
        // Only the end is kept, and only a line that starts like std's.
        log.note_stderr(&"x".repeat(3 * STDERR_TAIL));
        assert!(budget.used() >= STDERR_TAIL as u64, "{}", budget.used());
        assert!(budget.used() <= 2 * STDERR_TAIL as u64, "{}", budget.used());
        log.note_stderr("someone said ' panicked at a:1:1:\nno\n");
        assert_eq!(log.panic_message(), None);
        log.note_stderr("thread 'main' panicked at a.rs:1:1:\none\ntwo\n");
        assert_eq!(
            log.panic_message().as_deref(),
            Some("panicked at a.rs:1:1: one\ntwo")
        );
    }

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
