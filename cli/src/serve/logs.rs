//! `miniapp serve`'s logs and files for an operator's tools: JSON lines on
//! stderr whose time is the audit streams' one time field (`time_ms`,
//! milliseconds since the Unix epoch, as in `audit.jsonl` and
//! `operator-audit.jsonl`), and SIGHUP, which makes the audit files reopen
//! their paths (for logrotate).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{Format, FormatEvent, FormatFields, JsonFields, Writer};
use tracing_subscriber::registry::LookupSpan;

/// Structured logs: one JSON object per line on stderr, beginning with
/// `time_ms` (`RUST_LOG` filters; default `info`).
pub fn init_json() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .fmt_fields(JsonFields::new())
        .event_format(TimeMs(Format::default().json().without_time()))
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A JSON event format with `time_ms` first in place of its timestamp.
struct TimeMs<F>(F);

impl<S, N, F> FormatEvent<S, N> for TimeMs<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        let time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        match line.strip_prefix('{') {
            Some(rest) => write!(writer, "{{\"time_ms\":{time_ms},{rest}"),
            None => writer.write_str(&line),
        }
    }
}

/// From now until the process ends (within a tokio runtime): at each
/// SIGHUP, the audit files (the apps' and the operator plane's) open their
/// paths anew before their next line. The handler is in place when this
/// returns, so a SIGHUP from then on never ends the process.
pub fn reopen_files_on_hangup() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP cannot be handled: audit files are not reopened on it");
            return;
        }
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            miniapp_runtime::platform::reopen_files();
            tracing::info!("SIGHUP: the audit files reopen their paths");
        }
    });
}
