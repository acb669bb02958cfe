//! A tap on a share or open-type button runs the tap's handlers first and
//! then the button's flow, as WeChat runs both: the capture phase root
//! first, then bubbling from the target to the button (its own `bindtap`
//! or `catchtap` too); handlers outside the button are not reached (the
//! host took the tap).

use serde_json::json;

use super::{Resolved, ViewEvent, resolve};
use crate::select::Selector;
use crate::testing::rendered;

const PAGE: &str = r#"<view capture-bind:tap="watched" bindtap="outer">
  <button id="share" open-type="share" bindtap="counted"><text id="label" bindtap="label">Share</text></button>
  <button id="phone" open-type="getPhoneNumber" catchtap="held" bindgetphonenumber="onPhone">Phone</button>
</view>"#;

/// What a tap on `selector` resolves to: the tap's handlers in order, then
/// the flow, then its result handlers.
fn tapped(selector: &str) -> Vec<String> {
    let tree = rendered(PAGE, &json!({}));
    let node = Selector::parse(selector).unwrap().find(&tree).unwrap().id;
    let event = ViewEvent {
        node,
        kind: "tap".into(),
        detail: json!({}),
    };
    let names = |calls: Vec<super::Dispatch>| calls.into_iter().map(|d| d.handler);
    match resolve(&tree, &event).unwrap() {
        Resolved::Share { taps, .. } => names(taps).chain(["(share)".into()]).collect(),
        Resolved::OpenType {
            taps,
            open_type,
            results,
            ..
        } => (names(taps).chain([format!("({})", open_type.name())]))
            .chain(names(results))
            .collect(),
        other => panic!("a tap on a flow button: {other:?}"),
    }
}

#[test]
fn a_share_button_runs_the_taps_handlers_then_shares() {
    assert_eq!(tapped("#share"), ["watched", "counted", "(share)"]);
    // From inside the button: the inner handler, the button's, then the share.
    assert_eq!(tapped("#label"), ["watched", "label", "counted", "(share)"]);
}

#[test]
fn an_open_type_button_that_catches_its_tap_still_runs_its_flow_after() {
    assert_eq!(
        tapped("#phone"),
        ["watched", "held", "(getPhoneNumber)", "onPhone"]
    );
}
