//! Figures of a benchmark run: percentiles, the JSON lines, a text table
//! and an SVG chart.

use std::time::Duration;

use serde::Serialize;

/// One phase of one app, as a line of `miniapp bench --json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PhaseReport {
    /// App id.
    pub app: String,
    /// Phase name (`launch_to_first_event`, ...).
    pub phase: String,
    /// Median, microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_us: Option<f64>,
    /// 99th percentile, microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_us: Option<f64>,
    /// Slowest, microseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_us: Option<f64>,
    /// Samples.
    pub n: usize,
    /// The baseline's median, microseconds, where one was measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_p50_us: Option<f64>,
    /// The baseline's 99th percentile, microseconds, where the ratio
    /// compares p99s (`neighbour_p99`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_p99_us: Option<f64>,
    /// The baseline's samples, where they differ from `n`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_n: Option<usize>,
    /// Ours over the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// Which baseline: `bare-wasmtime`, `wasmtime-cli` or `native-process`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Memory figure, KiB (`memory_per_instance`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kib: Option<f64>,
    /// The baseline's memory figure, KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_kib: Option<f64>,
    /// A rate (`launches_per_second`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The baseline's rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_value: Option<f64>,
    /// Why a figure or baseline is missing, or what bounds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// p50, p99 and max of `samples`, in microseconds.
pub fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        micros(samples[i])
    };
    (at(0.5), at(0.99), micros(samples[samples.len() - 1]))
}

fn micros(d: Duration) -> f64 {
    (d.as_nanos() as f64 / 1000.0 * 100.0).round() / 100.0
}

impl PhaseReport {
    /// A timed phase, with its baseline's samples if one was measured.
    pub fn timed(
        app: &str,
        phase: &str,
        mut ours: Vec<Duration>,
        baseline: Option<(&str, Vec<Duration>)>,
    ) -> PhaseReport {
        let (p50, p99, max) = percentiles(&mut ours);
        let mut report = PhaseReport {
            app: app.to_string(),
            phase: phase.to_string(),
            p50_us: Some(p50),
            p99_us: Some(p99),
            max_us: Some(max),
            n: ours.len(),
            ..PhaseReport::default()
        };
        if let Some((name, mut samples)) = baseline {
            let (base, _, _) = percentiles(&mut samples);
            report.baseline = Some(name.to_string());
            report.baseline_p50_us = Some(base);
            if base > 0.0 {
                report.ratio = Some((p50 / base * 100.0).round() / 100.0);
            }
        }
        report
    }

    /// A timed phase whose ratio compares 99th percentiles: ours over the
    /// baseline's (a tail latency under load against the same latency
    /// without it).
    pub fn tail(
        app: &str,
        phase: &str,
        ours: Vec<Duration>,
        baseline: (&str, Vec<Duration>),
    ) -> PhaseReport {
        let (name, mut samples) = baseline;
        let n = samples.len();
        let (base_p50, base_p99, _) = percentiles(&mut samples);
        let mut report = PhaseReport::timed(app, phase, ours, None);
        report.baseline = Some(name.to_string());
        report.baseline_p50_us = Some(base_p50);
        report.baseline_p99_us = Some(base_p99);
        report.baseline_n = Some(n);
        if let Some(p99) = report.p99_us.filter(|_| base_p99 > 0.0) {
            report.ratio = Some((p99 / base_p99 * 100.0).round() / 100.0);
        }
        report
    }
}

/// A plain-text table of the reports.
pub fn table(reports: &[PhaseReport]) -> String {
    let mut out = format!(
        "{:<14} {:<24} {:>11} {:>11} {:>11} {:>7} {:>12} {:>7}  {}\n",
        "app",
        "phase",
        "p50 us",
        "p99 us",
        "max us",
        "n",
        "baseline",
        "ratio",
        "baseline kind / note"
    );
    let num = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    for r in reports {
        let (p50, p99, max) = match (r.kib, r.value) {
            (Some(kib), _) => (format!("{kib:.1} KiB"), "-".into(), "-".into()),
            (_, Some(v)) => (format!("{v:.0}/s"), "-".into(), "-".into()),
            _ => (num(r.p50_us), num(r.p99_us), num(r.max_us)),
        };
        let baseline = match (r.baseline_kib, r.baseline_value, r.baseline_p99_us) {
            (Some(kib), _, _) => format!("{kib:.1} KiB"),
            (_, Some(v), _) => format!("{v:.0}/s"),
            (_, _, Some(p99)) => format!("p99 {p99:.2}"),
            _ => num(r.baseline_p50_us),
        };
        let kind = [r.baseline.clone(), r.note.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        out.push_str(&format!(
            "{:<14} {:<24} {:>11} {:>11} {:>11} {:>7} {:>12} {:>7}  {}\n",
            r.app,
            r.phase,
            p50,
            p99,
            max,
            r.n,
            baseline,
            num(r.ratio),
            kind
        ));
    }
    out
}

/// A bar chart (SVG) of the timed phases: ours and the baseline's median,
/// on a log scale.
pub fn svg(reports: &[PhaseReport], title: &str) -> String {
    let rows: Vec<&PhaseReport> = reports.iter().filter(|r| r.p50_us.is_some()).collect();
    let (left, bar_h, gap, width) = (260.0, 12.0, 10.0, 860.0);
    let height = 60.0 + rows.len() as f64 * (2.0 * bar_h + gap) + 30.0;
    let max = rows
        .iter()
        .flat_map(|r| [r.p50_us, r.baseline_p50_us])
        .flatten()
        .fold(1.0_f64, f64::max);
    let scale = |us: f64| {
        let span = (max * 10.0).log10() + 1.0;
        ((us.max(0.1)).log10() + 1.0) / span * (width - left - 120.0)
    };
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"22\" font-size=\"15\">{}</text>\n\
         <rect x=\"{left}\" y=\"34\" width=\"10\" height=\"10\" fill=\"#2b6cb0\"/><text x=\"{}\" y=\"43\">miniapp (p50, log scale)</text>\n\
         <rect x=\"{}\" y=\"34\" width=\"10\" height=\"10\" fill=\"#a0aec0\"/><text x=\"{}\" y=\"43\">baseline (p50)</text>\n",
        escape(title),
        left + 14.0,
        left + 200.0,
        left + 214.0
    );
    let mut y = 60.0;
    for r in rows {
        let ours = r.p50_us.unwrap_or(0.0);
        svg.push_str(&format!(
            "<text x=\"10\" y=\"{}\">{} {}</text>\n<rect x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"{bar_h}\" fill=\"#2b6cb0\"/><text x=\"{:.1}\" y=\"{}\">{}</text>\n",
            y + bar_h + 4.0,
            escape(&r.app),
            escape(&r.phase),
            scale(ours),
            left + scale(ours) + 4.0,
            y + bar_h - 2.0,
            format_us(ours)
        ));
        if let Some(base) = r.baseline_p50_us {
            let by = y + bar_h;
            svg.push_str(&format!(
                "<rect x=\"{left}\" y=\"{by}\" width=\"{:.1}\" height=\"{bar_h}\" fill=\"#a0aec0\"/><text x=\"{:.1}\" y=\"{}\">{} ({})</text>\n",
                scale(base),
                left + scale(base) + 4.0,
                by + bar_h - 2.0,
                format_us(base),
                escape(r.baseline.as_deref().unwrap_or(""))
            ));
        }
        y += 2.0 * bar_h + gap;
    }
    svg.push_str("</svg>\n");
    svg
}

fn format_us(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.2} µs")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_sample() {
        let mut samples: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentiles(&mut samples), (51.0, 99.0, 100.0));
    }

    #[test]
    fn ratio_is_ours_over_the_baseline() {
        let ours = vec![Duration::from_micros(30); 5];
        let base = vec![Duration::from_micros(20); 5];
        let r = PhaseReport::timed("a", "p", ours, Some(("bare-wasmtime", base)));
        assert_eq!(r.ratio, Some(1.5));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["p50_us"], 30.0);
        assert_eq!(json["baseline_p50_us"], 20.0);
        assert!(json.get("kib").is_none());
    }

    #[test]
    fn a_tail_ratio_compares_p99s() {
        let mut ours: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        ours.push(Duration::from_micros(1000));
        let base = vec![Duration::from_micros(50); 10];
        let r = PhaseReport::tail("a", "p", ours, ("alone", base));
        assert_eq!(r.p99_us, Some(100.0));
        assert_eq!(r.baseline_p99_us, Some(50.0));
        assert_eq!(r.ratio, Some(2.0));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["n"], 101);
        assert_eq!(json["baseline_n"], 10);
    }
}
