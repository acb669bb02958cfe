//! `upload-over-quota`: an app that fills its temp area, uploads more at
//! once than the host may hold for it, and uploads paths it never got.

use miniapp_runtime::audit::AuditEvent;
use miniapp_runtime::{Event, LaunchOptions, Policy};
use serde_json::json;

use super::{Arena, arena_under, hostile};
use crate::files::{Fixture, on_disk, reaching};
use crate::pending::deliver_until;

const ID: &str = "hostile.upload-over-quota";

/// The attacker reaching `fixture`, in an arena whose operator allows
/// 127.0.0.1, with two files of 100,000 bytes fitting its temp area and a
/// third not, three files at most, and host memory for two such uploads
/// (each held while sent, and the file and its form, twice its bytes, while
/// the form is built: 101,689 + 200,000 fits, 201,709 + 200,000 does not).
fn arena(fixture: &Fixture) -> Arena {
    let package = reaching(&hostile("upload-over-quota"), ID, &fixture.origin);
    let mut policy = Policy::default();
    policy.defaults.allow_addresses.push("127.0.0.1".into());
    let quotas = "temp_bytes = 250000\ntemp_files = 3\nhost_memory_bytes = 350000";
    arena_under(policy, &package, quotas, true)
}

fn tap(handler: &str, detail: serde_json::Value) -> Event {
    Event::tap("index", handler).with_detail(detail)
}

#[tokio::test]
pub(super) async fn the_temp_area_and_the_uploads_it_feeds_stop_at_their_named_limits() {
    let fixture = Fixture::start().await;
    let arena = arena(&fixture);
    let launch = LaunchOptions {
        path: Some(format!("index?api={}", fixture.origin)),
        ..LaunchOptions::default()
    };
    let mut inst = arena.app().launch(launch).await.unwrap();
    let sizes = json!({ "sizes": [100_000, 100_000, 100_000, 10, 10] });
    inst.dispatch(&tap("fill", sizes)).await.unwrap();
    deliver_until(&mut inst, |data| data["filled"] == true).await;
    let fill: Vec<String> = serde_json::from_value(inst.page_data()["fill"].clone()).unwrap();
    assert_eq!(fill[..2], ["ok", "ok"], "{fill:?}");
    assert!(
        fill[2].starts_with("quota-exceeded: ") && fill[2].contains("(quota `temp_bytes`)"),
        "{fill:?}"
    );
    assert_eq!(fill[3], "ok");
    assert!(
        fill[4].starts_with("quota-exceeded: ") && fill[4].contains("(quota `temp_files`)"),
        "{fill:?}"
    );
    // Nothing of the refused file is left: the two large files and the small one.
    let mut sizes: Vec<u64> = (on_disk(arena._dir.path(), ID).iter())
        .map(|f| std::fs::metadata(f).unwrap().len())
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [10, 100_000, 100_000]);

    // Every file twice, at once, to a server that never answers: the host
    // holds what it sends, two large bodies fit and the third does not.
    inst.dispatch(&tap("attack", json!({ "times": 2 })))
        .await
        .unwrap();
    let data = inst.page_data().clone();
    assert_eq!(data["started"], 3, "{data}");
    assert_eq!(data["error_kind"], "quota-exceeded", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(
        error.contains("host memory budget of 350000 bytes"),
        "{error}"
    );

    inst.dispatch(&tap("forge", json!({}))).await.unwrap();
    let data = inst.page_data().clone();
    assert_eq!(data["outcome"], "refused", "{data}");
    for call in ["made_up", "dot_dot", "absolute"] {
        assert_eq!(
            data[format!("{call}_error_kind")],
            "invalid-argument",
            "{data}"
        );
    }

    arena.witness_still_works(0).await;
    for limit in ["`temp_bytes`", "`temp_files`", "host memory budget"] {
        let audited = arena.audited(
            |e| matches!(e, AuditEvent::QuotaExceeded { message } if message.contains(limit)),
        );
        assert!(audited, "{limit} is audited");
    }
    drop(inst);
    assert!(
        on_disk(arena._dir.path(), ID).is_empty(),
        "the files went with the instance"
    );
}
