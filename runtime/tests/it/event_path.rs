//! The event path's shortcuts give what the long way gives: an event that
//! changes no page data leaves the view as it was (no operation, the same
//! page), and every change of the data is rendered.

use miniapp_runtime::Event;

use crate::common::{example, launched_alone};

#[tokio::test]
async fn an_event_that_changes_no_data_leaves_the_view_as_it_was_and_every_change_renders() {
    let (_dir, mut inst) = launched_alone(example("bench")).await;
    let noop = Event::new("index", "noop");
    let first = inst.view_html().expect("the bench page has a template");
    assert_eq!(
        inst.take_view_ops(),
        None,
        "the first render is painted whole"
    );
    for _ in 0..3 {
        inst.dispatch(&noop).await.unwrap();
        assert_eq!(inst.take_view_ops(), Some(Vec::new()));
        assert_eq!(inst.view_html().unwrap(), first);
    }
    // The app's set-data after unchanged events is rendered.
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    let ops = inst.take_view_ops().expect("a diff of the same page");
    assert!(!ops.is_empty(), "the count changed");
    let tapped = inst.view_html().unwrap();
    assert!(tapped.contains(">1<"), "{tapped}");
    inst.dispatch(&noop).await.unwrap();
    assert_eq!(inst.take_view_ops(), Some(Vec::new()));
    assert_eq!(inst.view_html().unwrap(), tapped);
    // So is the host's own patch of the data, and an empty patch changes nothing.
    inst.patch_data(r#"{"count": 41}"#).unwrap();
    assert!(inst.view_html().unwrap().contains(">41<"));
    assert!(!inst.take_view_ops().unwrap().is_empty());
    inst.patch_data("{}").unwrap();
    inst.dispatch(&noop).await.unwrap();
    assert_eq!(inst.take_view_ops(), Some(Vec::new()));
    assert!(inst.view_html().unwrap().contains(">41<"));
    // A tap after the host's patch counts from the app's own state.
    inst.dispatch(&Event::new("index", "tap")).await.unwrap();
    assert!(inst.view_html().unwrap().contains(">2<"));
}
