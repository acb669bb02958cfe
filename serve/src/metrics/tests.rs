//! The list of metrics against what `/metrics` shows and what the docs say.

use std::collections::HashMap;

use super::{Metrics, rows, table};

/// The exposition of a server where app `shop` version `1.0.0` is published
/// and a request naming no app was refused once.
fn scraped() -> String {
    let metrics = Metrics::default();
    metrics.published("shop", "1.0.0");
    metrics.refused("", "disabled");
    metrics.render(&[], &[], &HashMap::new(), 0)
}

/// A sample line's metric name and label names (without a bucket's `le`).
fn sample(line: &str) -> (&str, Vec<&str>) {
    let (name, labels) = match line.split_once('{') {
        Some((name, rest)) => (name, &rest[..rest.rfind('}').expect("labels end")]),
        None => (line.split_whitespace().next().expect("a name"), ""),
    };
    let labels = (labels.split(',').filter(|l| !l.is_empty()))
        .map(|l| l.split_once('=').expect("label=value").0)
        .filter(|&l| l != "le")
        .collect();
    (name, labels)
}

/// The row a sample belongs to (a counter's `_total`, a histogram's
/// `_bucket`, `_sum` and `_count`).
fn row_of<'r>(rows: &'r [table::Row], name: &str) -> Option<&'r table::Row> {
    rows.iter().find(|row| {
        let rest = name.strip_prefix(row.name);
        let suffixes: &[&str] = match row.kind {
            "counter" => &["_total"],
            "histogram" => &["_bucket", "_sum", "_count"],
            _ => &[""],
        };
        rest.is_some_and(|rest| suffixes.contains(&rest))
    })
}

#[test]
fn every_metric_of_the_list_is_scraped_with_its_type_and_labels() {
    let rows = rows();
    let text = scraped();
    let typed: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE ")).collect();
    for row in rows.iter().filter(|r| r.name.starts_with("miniapp_")) {
        let line = format!("# TYPE {} {}", row.name, row.kind);
        assert!(
            typed.contains(&line.as_str()),
            "{line} missing from\n{text}"
        );
    }
    for line in &typed {
        let listed = rows
            .iter()
            .any(|row| line.strip_prefix("# TYPE ") == Some(&format!("{} {}", row.name, row.kind)));
        assert!(listed, "{line}: scraped but not in the list");
    }
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (name, labels) = sample(line);
        let row = row_of(&rows, name).unwrap_or_else(|| panic!("{name} is not in the list"));
        assert_eq!(labels, row.labels, "labels of {line}");
    }
}

#[test]
fn a_published_app_has_every_series_at_zero() {
    let text = scraped();
    for series in [
        r#"miniapp_events_total{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_event_seconds_count{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_launch_seconds_count{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_evictions_total{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_cpu_seconds_total{app="shop",version="1.0.0"} 0.0"#,
        r#"miniapp_traps_total{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_denials_total{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_quota_hits_total{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_audit_records_dropped_total{app="shop",version="1.0.0"} 0"#,
        r#"miniapp_queue_depth{app="shop"} 0"#,
        r#"miniapp_app_sessions_live{app="shop"} 0"#,
        r#"miniapp_memory_bytes{app="shop"} 0"#,
        r#"miniapp_refusals_total{app="shop",reason="busy"} 0"#,
        r#"miniapp_refusals_total{app="shop",reason="not-reading"} 0"#,
        r#"miniapp_refusals_total{app="",reason="disabled"} 1"#,
        "miniapp_sessions_live 0",
    ] {
        assert!(
            text.lines().any(|l| l == series),
            "{series} missing from\n{text}"
        );
    }
    let build = text.lines().find(|l| l.starts_with("miniapp_build_info{"));
    assert!(build.is_some_and(|l| l.ends_with("} 1")), "{text}");
}

/// `docs/metrics.md` is the list; `MINIAPP_BLESS=1` writes it.
#[test]
fn metrics_page_is_the_list() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/metrics.md");
    let page = table::page(&rows());
    if std::env::var_os("MINIAPP_BLESS").is_some() {
        std::fs::write(path, &page).expect("writing docs/metrics.md");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/metrics.md differs from the list of metrics: run \
         `MINIAPP_BLESS=1 cargo test -p miniapp-serve --lib -- metrics_page`"
    );
}
