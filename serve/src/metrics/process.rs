//! The process's own figures under their standard names
//! (`process_resident_memory_bytes`, `process_virtual_memory_bytes`,
//! `process_cpu_seconds_total`, `process_open_fds`, `process_max_fds`,
//! `process_start_time_seconds`), read from `/proc/self` at each scrape.
//! Where `/proc` is absent (not Linux) the series are absent too; a figure
//! that cannot be read is left out, never reported as 0.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use prometheus_client::metrics::MetricType;

use super::table::Row;

/// Clock ticks a second for `/proc/self/stat`'s times (`sysconf(_SC_CLK_TCK)`
/// is 100 on every Linux architecture Rust targets).
const TICKS_PER_SECOND: f64 = 100.0;

/// Reads the process's figures at each scrape.
#[derive(Debug, Default)]
pub struct ProcessCollector;

/// One reading of the process's figures; `None` where unreadable.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Process {
    /// Resident memory, bytes.
    pub resident_bytes: Option<u64>,
    /// Virtual memory, bytes.
    pub virtual_bytes: Option<u64>,
    /// User and system CPU time, seconds.
    pub cpu_seconds: Option<f64>,
    /// Open file descriptors.
    pub open_fds: Option<u64>,
    /// The soft limit of open file descriptors.
    pub max_fds: Option<u64>,
    /// When the process started, seconds since the Unix epoch.
    pub start_time_seconds: Option<f64>,
}

impl Process {
    /// This process now (all `None` without `/proc/self`).
    pub fn read() -> Process {
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        let stat = stat.as_deref().and_then(Stat::parse);
        let boot = std::fs::read_to_string("/proc/stat").ok();
        let boot = boot.as_deref().and_then(boot_time);
        Process {
            resident_bytes: super::resident_bytes(),
            virtual_bytes: stat.as_ref().map(|s| s.vsize),
            cpu_seconds: (stat.as_ref()).map(|s| (s.utime + s.stime) as f64 / TICKS_PER_SECOND),
            open_fds: std::fs::read_dir("/proc/self/fd")
                .ok()
                .map(|d| d.count() as u64),
            max_fds: std::fs::read_to_string("/proc/self/limits")
                .ok()
                .and_then(|l| max_open_files(&l)),
            start_time_seconds: match (&stat, boot) {
                (Some(s), Some(boot)) => Some(boot as f64 + s.starttime as f64 / TICKS_PER_SECOND),
                _ => None,
            },
        }
    }
}

/// The fields of `/proc/self/stat` used here.
#[derive(Debug, PartialEq)]
struct Stat {
    utime: u64,
    stime: u64,
    starttime: u64,
    vsize: u64,
}

impl Stat {
    /// Fields after the command name (which may hold spaces and
    /// parentheses: it ends at the last `)`), numbered as in proc(5).
    fn parse(text: &str) -> Option<Stat> {
        let rest = &text[text.rfind(')')? + 1..];
        // proc(5) numbers `state` 3: field n is at index n - 3.
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse().ok();
        Some(Stat {
            utime: field(14)?,
            stime: field(15)?,
            starttime: field(22)?,
            vsize: field(23)?,
        })
    }
}

/// `btime` of `/proc/stat`: boot time, seconds since the epoch.
fn boot_time(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("btime "))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The soft limit of `Max open files` in `/proc/self/limits`.
fn max_open_files(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line["Max open files".len()..].split_whitespace().next()?;
    match soft {
        "unlimited" => Some(u64::MAX),
        n => n.parse().ok(),
    }
}

/// A figure of the process: its name, help, type (a counter or a gauge),
/// and its value in a reading.
type Figure = (
    &'static str,
    &'static str,
    MetricType,
    fn(&Process) -> Option<f64>,
);

/// Every figure, under its standard name.
#[rustfmt::skip]
const FIGURES: [Figure; 6] = [
    ("process_resident_memory_bytes", "Resident memory size in bytes", MetricType::Gauge,
        |p| p.resident_bytes.map(|n| n as f64)),
    ("process_virtual_memory_bytes", "Virtual memory size in bytes", MetricType::Gauge,
        |p| p.virtual_bytes.map(|n| n as f64)),
    ("process_open_fds", "Number of open file descriptors", MetricType::Gauge,
        |p| p.open_fds.map(|n| n as f64)),
    ("process_max_fds", "Maximum number of open file descriptors", MetricType::Gauge,
        |p| p.max_fds.map(|n| n as f64)),
    ("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds", MetricType::Gauge,
        |p| p.start_time_seconds),
    ("process_cpu_seconds", "Total user and system CPU time spent in seconds", MetricType::Counter,
        |p| p.cpu_seconds),
];

/// The figures, as the docs show them.
pub(crate) fn rows() -> Vec<Row> {
    (FIGURES.iter())
        .map(|&(name, help, kind, _)| Row {
            name,
            help,
            kind: super::table::kind(kind),
            labels: &[],
        })
        .collect()
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let p = Process::read();
        for &(name, help, kind, value) in &FIGURES {
            let Some(value) = value(&p) else { continue };
            let descriptor = encoder.encode_descriptor(name, help, None, kind)?;
            match kind {
                MetricType::Counter => ConstCounter::new(value).encode(descriptor)?,
                _ => ConstGauge::new(value).encode(descriptor)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_read_past_a_command_name_with_spaces_and_parentheses() {
        let text = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 50 0 0 20 0 9 0 12345 987654321 2048 18446744073709551615";
        let stat = Stat::parse(text).unwrap();
        assert_eq!(
            stat,
            Stat {
                utime: 250,
                stime: 50,
                starttime: 12345,
                vsize: 987654321,
            }
        );
        assert_eq!(Stat::parse("no command"), None);
    }

    #[test]
    fn the_soft_open_file_limit_and_the_boot_time() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63459                63459                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(max_open_files(limits), Some(1024));
        assert_eq!(
            boot_time("cpu  1 2 3\nbtime 1700000000\n"),
            Some(1_700_000_000)
        );
        assert_eq!(boot_time("cpu  1 2 3\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_read_on_linux() {
        let p = Process::read();
        assert!(p.resident_bytes.is_some_and(|n| n > 0), "{p:?}");
        assert!(
            p.virtual_bytes
                .is_some_and(|n| n >= p.resident_bytes.unwrap()),
            "{p:?}"
        );
        assert!(p.open_fds.is_some_and(|n| n >= 3), "{p:?}");
        assert!(p.max_fds.is_some_and(|n| n >= p.open_fds.unwrap()), "{p:?}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let start = p.start_time_seconds.unwrap();
        assert!(start > 1.0e9 && start <= now + 1.0, "{p:?}");
    }
}
