//! The widgets example: a swiper's `change`, a picker-view's `change` and a
//! movable-view's `change` reach the app with their details; a detail the
//! rendered component could not have produced (a banner it does not have,
//! an autoplay it does not do, a row a column lacks, a card outside its
//! area even at its smallest scale) is refused naming the component and what is wrong, and the app
//! never sees it.

use miniapp_runtime::AppInstance;
use serde_json::{Value, json};

use crate::common::{event_on, example, launched_alone};

/// `kind` on `selector` with `detail`, refused with a message holding `why`.
async fn refused(inst: &mut AppInstance, selector: &str, kind: &str, detail: Value, why: &str) {
    let error = event_on(inst, selector, kind, detail).await.unwrap_err();
    assert!(error.to_string().contains(why), "{error}");
}

#[tokio::test]
async fn a_swipe_reaches_the_app_and_a_banner_it_does_not_have_is_refused() {
    let (_dir, mut inst) = launched_alone(example("widgets")).await;
    assert_eq!(inst.page_data()["current"], 0);
    let swiped = json!({"current": 2, "source": "touch", "currentItemId": "b3"});
    event_on(&mut inst, "#banner", "change", swiped)
        .await
        .unwrap();
    assert_eq!(inst.page_data()["current"], 2);
    assert_eq!(inst.page_data()["bannerId"], "b3");
    assert_eq!(inst.page_data()["bannerSource"], "touch");
    let settled = json!({"current": 2, "source": "touch"});
    event_on(&mut inst, "#banner", "animationfinish", settled)
        .await
        .unwrap();
    assert_eq!(inst.page_data()["settled"], 2);

    for (detail, why) in [
        (
            json!({"current": 3, "source": "touch"}),
            "`change` on <swiper>: `current` 3 is outside its items 0 to 2",
        ),
        (
            json!({"current": 1, "source": "autoplay"}),
            "`change` on <swiper>: `source` is `autoplay` but it does not autoplay",
        ),
        (
            json!({"current": 1, "source": "touch", "currentItemId": "b3"}),
            "`currentItemId` \"b3\" is not item 1's `item-id` \"b2\"",
        ),
    ] {
        refused(&mut inst, "#banner", "change", detail, why).await;
    }
    assert_eq!(inst.page_data()["current"], 2);

    // The switch turns autoplay on (model:checked): an autoplayed change is
    // now one it can make.
    event_on(&mut inst, "#autoplay", "change", json!({"value": true}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["autoplay"], true);
    let autoplayed = json!({"current": 0, "source": "autoplay", "currentItemId": "b1"});
    event_on(&mut inst, "#banner", "change", autoplayed)
        .await
        .unwrap();
    assert_eq!(inst.page_data()["bannerSource"], "autoplay");
}

#[tokio::test]
async fn a_pick_and_a_move_reach_the_app_and_impossible_ones_are_refused() {
    let (_dir, mut inst) = launched_alone(example("widgets")).await;
    event_on(&mut inst, "#when", "pickstart", json!({}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["picking"], true);
    event_on(&mut inst, "#when", "change", json!({"value": [3, 4]}))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["when"], json!([3, 4]));
    for (value, why) in [
        (
            json!([4, 0]),
            "`value[0]` 4 is not one of column 0's items 0 to 3",
        ),
        (json!([0]), "`value` has 1 indices for its 2 columns"),
    ] {
        let detail = json!({ "value": value });
        let why = format!("`change` on <picker-view>: {why}");
        refused(&mut inst, "#when", "change", detail, &why).await;
    }
    assert_eq!(inst.page_data()["when"], json!([3, 4]));

    // A 100x60 card in a 300x160 area, scaled down to its scale-min 0.5 at
    // the most (50x30): x 0 to 250, y 0 to 130.
    let moved = json!({"x": 200, "y": 100, "source": "touch"});
    event_on(&mut inst, "#card", "change", moved).await.unwrap();
    assert_eq!(
        inst.page_data()["moved"],
        json!({"x": 200.0, "y": 100.0, "source": "touch"})
    );
    for (x, y, why) in [
        (251, 0, "`x` 251 is outside its movable-area: 0 to 250"),
        (0, 131, "`y` 131 is outside its movable-area: 0 to 130"),
    ] {
        let detail = json!({"x": x, "y": y, "source": "touch"});
        let why = format!("`change` on <movable-view>: {why}");
        refused(&mut inst, "#card", "change", detail, &why).await;
    }
    assert_eq!(inst.page_data()["moved"]["x"], 200.0);
}
