//! The phases of code that runs between events, on the bench example:
//! `completion` times only completions the app ran (the phase checks its
//! count) beside an event and the bare host; `timer_idle_memory` reports
//! each timer count beside the same instances without timers.

use miniapp_benches::phases::Subject;
use miniapp_runtime::Event;

fn bench() -> Subject {
    let package = miniapp_benches::example("bench").expect("the bench example builds");
    Subject::new(package, Event::tap("index", "tap")).expect("a runtime and a bare host")
}

#[test]
fn completion_is_timed_against_an_event_and_the_bare_host() {
    let [ours, bare] = (bench().completion(50).unwrap()).expect("the bench example has `tick`");
    assert_eq!((ours.phase.as_str(), ours.n), ("completion", 50));
    assert_eq!(ours.baseline.as_deref(), Some("event"));
    assert!(ours.p50_us.is_some_and(|us| us > 0.0), "{ours:?}");
    assert!(ours.baseline_p50_us.is_some_and(|us| us > 0.0), "{ours:?}");
    assert!(ours.ratio.is_some(), "{ours:?}");
    assert_eq!(bare.phase, "completion_bare");
    assert_eq!(bare.baseline.as_deref(), Some("bare-wasmtime"), "{bare:?}");
    assert!(bare.baseline_p50_us.is_some_and(|us| us > 0.0), "{bare:?}");
}

/// The number after `before` in `text`.
fn number_after(text: &str, before: &str) -> f64 {
    let rest = text
        .split(before)
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    let number = rest.split(' ').next().unwrap_or_default();
    number
        .parse()
        .unwrap_or_else(|_| panic!("`{number}` in {text}"))
}

#[test]
fn timer_idle_memory_counts_one_timer_and_the_default_quota_against_none() {
    let reports = (bench().timer_idle_memory(20).unwrap()).expect("the bench example has `timers`");
    let phases: Vec<&str> = reports.iter().map(|r| r.phase.as_str()).collect();
    let quota = miniapp_runtime::config::Quotas::default().timers;
    assert_eq!(
        phases,
        ["timer_idle_memory_1", &format!("timer_idle_memory_{quota}")]
    );
    for report in &reports {
        assert_eq!(report.n, 20);
        assert_eq!(report.baseline.as_deref(), Some("no-timers"));
        assert!(
            report.kib.is_some() && report.baseline_kib.is_some(),
            "{report:?}"
        );
        let note = report.note.as_deref().unwrap_or_default();
        let host = number_after(note, "the runtime accounts ");
        assert!(host > 0.0, "every timer is charged to host memory: {note}");
    }
}
