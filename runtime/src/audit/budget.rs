//! What the host writes to disk on an app's behalf, bounded in aggregate.
//!
//! Every audit record about an app counts the bytes of its line (as the
//! sink writes it, escapes included) against two budgets of the app:
//! `disk_bytes_per_event` (one call of one instance: an event, or one of
//! the page hooks it leads to) and `disk_bytes_per_day` (all its instances
//! in this runtime, per UTC day, kept across reloads). Within a call a
//! record identical to one already seen (a refusal in a loop) is not
//! written again: it is counted, and one summary line with the count
//! (`repeated`) follows when the call ends. Records past a budget are
//! dropped, counted in the usage figures (`audit_records_dropped`) and said
//! in one line: per call at its end, per day when the day's budget runs out.
//!
//! An app's own text in a record (a refusal's message) is cut to
//! [`MAX_MESSAGE_BYTES`], so a call tracks at most [`MAX_TRACKED`] short
//! records and ends with at most that many summary lines beyond its budget.
//! Records the host decides (traps, quarantines, consent) have a day's
//! budget of their own: an app that fills its day with refusals cannot
//! silence the record of its traps.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{AuditEvent, AuditRecord, AuditSink};

/// Distinct records a callback tracks for repeats; past this many, records
/// are still written (and bounded by bytes), just not summarised.
const MAX_TRACKED: usize = 64;

/// Bytes of an app's own text kept in an audit record.
pub(crate) const MAX_MESSAGE_BYTES: usize = 1024;

/// A record's size on disk: its line as the JSON-lines sink writes it.
fn record_bytes(record: &AuditRecord) -> u64 {
    serde_json::to_value(record).map_or(0, |v| crate::text::json_line(&v).len() as u64 + 1)
}

/// `message` cut to [`MAX_MESSAGE_BYTES`], saying how long it was.
pub(crate) fn cut_message(message: &str) -> String {
    crate::text::cut(message, MAX_MESSAGE_BYTES).into_owned()
}

/// The day number (UTC) of now.
fn today() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

/// One app's bytes written today, for one kind of record.
#[derive(Default)]
struct DayUse {
    day: u64,
    bytes: u64,
    /// Whether the line saying the budget ran out was written today.
    said: bool,
}

/// Who decided what a record says: the app's own calls (refusals), or the
/// host (traps, quarantines, consent, budget notices). Each has its own
/// budget per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Decided {
    /// A refusal of one of the app's calls.
    ByApp,
    /// Something the host decided about the app.
    ByHost,
}

/// The runtime's book of what each app has written today.
#[derive(Default)]
pub(crate) struct DiskDays {
    apps: Mutex<HashMap<(String, Decided), DayUse>>,
}

/// Whether a record was written, or dropped for a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    /// On disk (or wherever the sink puts it).
    Yes,
    /// Dropped: a budget is used up.
    Dropped,
}

impl DiskDays {
    /// Write `record` to `sink` if app `record.app` has its bytes left of
    /// `limit` today for records `decided` so; the first refusal of a day
    /// writes one line saying so.
    pub fn write(
        &self,
        sink: &dyn AuditSink,
        record: &AuditRecord,
        decided: Decided,
        limit: u64,
    ) -> Written {
        let bytes = record_bytes(record);
        let say = {
            let mut apps = self.apps.lock().unwrap_or_else(|e| e.into_inner());
            let used = apps.entry((record.app.clone(), decided)).or_default();
            let day = today();
            if used.day != day {
                *used = DayUse {
                    day,
                    ..DayUse::default()
                };
            }
            if used.bytes + bytes <= limit {
                used.bytes += bytes;
                None
            } else if used.said {
                return Written::Dropped;
            } else {
                used.said = true;
                Some(())
            }
        };
        match say {
            None => {
                sink.record(record);
                Written::Yes
            }
            Some(()) => {
                let whose = match decided {
                    Decided::ByApp => "records of this app's refused calls",
                    Decided::ByHost => "the host's records about this app",
                };
                let event = AuditEvent::DiskBudget {
                    message: format!(
                        "disk budget of {limit} bytes per day reached (quota `disk_bytes_per_day`): {whose} are dropped until the day ends (UTC), counted in its usage figures"
                    ),
                    dropped: None,
                };
                sink.record(&AuditRecord::now(&record.app, &record.version, event));
                Written::Dropped
            }
        }
    }
}

/// A record seen in the current callback, and how often since written.
struct Seen {
    event: AuditEvent,
    again: u64,
}

/// The audit of one instance's current callback: its bytes, the records
/// it has seen (for repeats) and those it dropped.
#[derive(Default)]
pub(crate) struct EventAudit {
    state: Mutex<EventState>,
}

#[derive(Default)]
struct EventState {
    bytes: u64,
    seen: Vec<Seen>,
    dropped: u64,
    /// The instance's refused calls so far, written or not.
    refused: super::Refusals,
}

/// Where a callback's records go, and its limits.
pub(crate) struct AuditTarget<'a> {
    pub sink: &'a dyn AuditSink,
    pub days: &'a DiskDays,
    pub app: &'a str,
    pub version: &'a str,
    pub per_event: u64,
    pub per_day: u64,
}

impl AuditTarget<'_> {
    fn record(&self, event: AuditEvent) -> AuditRecord {
        AuditRecord::now(self.app, self.version, event)
    }
}

impl EventAudit {
    /// A new callback: its bytes start at zero.
    pub fn start_event(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.bytes = 0;
    }

    /// Record `event`, a refusal of one of the app's calls (or of an event
    /// its view's client reported), in the current call; returns how many records were dropped (0 or 1) for the usage
    /// figures.
    pub fn record(&self, to: &AuditTarget<'_>, event: AuditEvent) -> u64 {
        let event = match event {
            AuditEvent::Denied { message } => AuditEvent::Denied {
                message: cut_message(&message),
            },
            AuditEvent::QuotaExceeded { message } => AuditEvent::QuotaExceeded {
                message: cut_message(&message),
            },
            AuditEvent::EventRefused { message } => AuditEvent::EventRefused {
                message: cut_message(&message),
            },
            other => other,
        };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &event {
            AuditEvent::Denied { .. } => state.refused.denied += 1,
            AuditEvent::QuotaExceeded { .. } => state.refused.quota += 1,
            _ => {}
        }
        if let Some(seen) = state.seen.iter_mut().find(|s| s.event == event) {
            seen.again += 1;
            return 0;
        }
        if state.seen.len() < MAX_TRACKED {
            state.seen.push(Seen {
                event: event.clone(),
                again: 0,
            });
        }
        let record = to.record(event);
        let bytes = record_bytes(&record);
        if state.bytes + bytes > to.per_event {
            state.dropped += 1;
            return 1;
        }
        state.bytes += bytes;
        match to.days.write(to.sink, &record, Decided::ByApp, to.per_day) {
            Written::Yes => 0,
            Written::Dropped => 1,
        }
    }

    /// The refusals recorded in this instance so far (all its calls).
    pub fn refused(&self) -> super::Refusals {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).refused
    }

    /// The call ended: one line per record repeated since, with its count,
    /// and one for the records dropped. These summaries count against the
    /// day's budget only, so a call always ends with at most
    /// `MAX_TRACKED + 1` of them, each of a short record. Returns the
    /// records dropped by the day's budget.
    pub fn flush(&self, to: &AuditTarget<'_>) -> u64 {
        let (seen, dropped) = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            (
                std::mem::take(&mut state.seen),
                std::mem::take(&mut state.dropped),
            )
        };
        let mut lost = 0;
        for seen in seen.into_iter().filter(|s| s.again > 0) {
            let mut record = to.record(seen.event);
            record.repeated = seen.again;
            if to.days.write(to.sink, &record, Decided::ByApp, to.per_day) == Written::Dropped {
                lost += 1;
            }
        }
        if dropped > 0 {
            let event = AuditEvent::DiskBudget {
                message: format!(
                    "disk budget of {} bytes per event reached (quota `disk_bytes_per_event`): later audit records of this event were dropped",
                    to.per_event
                ),
                dropped: Some(dropped),
            };
            let record = to.record(event);
            if to.days.write(to.sink, &record, Decided::ByHost, to.per_day) == Written::Dropped {
                lost += 1;
            }
        }
        lost
    }
}

#[cfg(test)]
mod tests {
    use super::super::MemoryAudit;
    use super::*;

    fn target<'a>(sink: &'a MemoryAudit, days: &'a DiskDays, per_event: u64) -> AuditTarget<'a> {
        AuditTarget {
            sink,
            days,
            app: "demo.app",
            version: "1.0.0",
            per_event,
            per_day: 1 << 20,
        }
    }

    fn denied(n: u32) -> AuditEvent {
        AuditEvent::Denied {
            message: format!("refusal {n}"),
        }
    }

    #[test]
    fn a_repeated_refusal_is_one_line_and_one_summary_with_its_count() {
        let (sink, days) = (MemoryAudit::default(), DiskDays::default());
        let to = target(&sink, &days, 1 << 20);
        let audit = EventAudit::default();
        for _ in 0..100_000 {
            audit.record(&to, denied(1));
        }
        audit.record(&to, denied(2));
        assert_eq!(audit.flush(&to), 0);
        let records = sink.records();
        assert_eq!(records.len(), 3, "{records:?}");
        assert_eq!(
            (records[0].event.clone(), records[0].repeated),
            (denied(1), 0)
        );
        assert_eq!(
            (records[1].event.clone(), records[1].repeated),
            (denied(2), 0)
        );
        assert_eq!(
            (records[2].event.clone(), records[2].repeated),
            (denied(1), 99_999)
        );
    }

    #[test]
    fn distinct_records_past_the_event_budget_are_dropped_and_counted() {
        let (sink, days) = (MemoryAudit::default(), DiskDays::default());
        let to = target(&sink, &days, 1000);
        let audit = EventAudit::default();
        let dropped: u64 = (0..10_000).map(|n| audit.record(&to, denied(n))).sum();
        audit.flush(&to);
        let records = sink.records();
        let written: u64 = records.iter().map(record_bytes).sum();
        // The records within the budget, then one line saying how many went.
        let last = records.last().unwrap();
        assert!(written <= 1000 + record_bytes(last), "{written}");
        assert_eq!(dropped, 10_000 - (records.len() as u64 - 1));
        assert_eq!(
            last.event,
            AuditEvent::DiskBudget {
                message: "disk budget of 1000 bytes per event reached (quota `disk_bytes_per_event`): later audit records of this event were dropped".into(),
                dropped: Some(dropped),
            }
        );
        // The next callback has its budget again.
        audit.start_event();
        assert_eq!(audit.record(&to, denied(1)), 0);
    }

    #[test]
    fn long_distinct_refusals_then_repeats_stay_within_the_budget_and_its_summaries() {
        let (sink, days) = (MemoryAudit::default(), DiskDays::default());
        let to = target(&sink, &days, 100_000);
        let audit = EventAudit::default();
        // A message of the app's own text, 100 KB, with controls that the
        // sink escapes (each written as six bytes).
        let long = |n: u32| AuditEvent::Denied {
            message: format!("{n} {}", "\u{9b}".repeat(50_000)),
        };
        for _ in 0..3 {
            for n in 0..200 {
                audit.record(&to, long(n));
            }
        }
        audit.flush(&to);
        let records = sink.records();
        let written: u64 = records.iter().map(record_bytes).sum();
        for record in &records {
            if let AuditEvent::Denied { message } = &record.event {
                assert!(message.len() <= MAX_MESSAGE_BYTES + 32, "{}", message.len());
                assert!(message.ends_with(" bytes)"), "{message}");
            }
        }
        // The budget, then at most one summary line per tracked record and
        // one for the dropped, each of a cut message (escaped: 3x).
        let line = 3 * MAX_MESSAGE_BYTES as u64 + 300;
        assert!(
            written <= 100_000 + (MAX_TRACKED as u64 + 1) * line,
            "{written} bytes"
        );
        let summaries = records.iter().filter(|r| r.repeated > 0).count();
        assert!(summaries <= MAX_TRACKED, "{summaries}");
    }

    #[test]
    fn refusals_filling_the_day_do_not_silence_the_hosts_records() {
        let (sink, days) = (MemoryAudit::default(), DiskDays::default());
        let mut to = target(&sink, &days, 1 << 20);
        to.per_day = 2000;
        let audit = EventAudit::default();
        for n in 0..100 {
            audit.record(&to, denied(n));
        }
        let trap = AuditEvent::Quarantined {
            reason: "5 traps in 600 s".into(),
        };
        let record = AuditRecord::now("demo.app", "1.0.0", trap.clone());
        assert_eq!(
            days.write(&sink, &record, Decided::ByHost, to.per_day),
            Written::Yes
        );
        assert!(sink.records().iter().any(|r| r.event == trap));
    }

    #[test]
    fn the_day_budget_holds_across_callbacks_and_says_so_once() {
        let (sink, days) = (MemoryAudit::default(), DiskDays::default());
        let mut to = target(&sink, &days, 1 << 20);
        to.per_day = 2000;
        let mut dropped = 0;
        for event in 0..100 {
            let audit = EventAudit::default();
            dropped += audit.record(&to, denied(event));
            dropped += audit.flush(&to);
        }
        let records = sink.records();
        let budget_lines = records
            .iter()
            .filter(|r| matches!(r.event, AuditEvent::DiskBudget { .. }))
            .count();
        assert_eq!(budget_lines, 1, "{records:?}");
        let written: u64 = records.iter().map(record_bytes).sum();
        assert!(written <= 2000 + 400, "{written}");
        assert_eq!(dropped, 100 - (records.len() as u64 - 1));
    }
}
