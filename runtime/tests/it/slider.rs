//! The slider example: a slider's `changing` (while dragged) and `change`
//! (on release) reach the app with their value; a value the rendered
//! slider could not produce (off its `min`..`max`, off its `step` grid, not
//! a number, or on a disabled slider) is refused naming the component, the
//! attribute and the value, and the app never sees it.

use miniapp_runtime::AppInstance;
use serde_json::{Value, json};

use crate::common::{event_on, example, launched_alone};

/// Send `kind` with `{"value": value}` on `selector`.
async fn slide(
    inst: &mut AppInstance,
    selector: &str,
    kind: &str,
    value: Value,
) -> Result<(), miniapp_runtime::Error> {
    event_on(inst, selector, kind, json!({ "value": value })).await
}

#[tokio::test]
async fn a_slider_value_reaches_the_app_and_an_impossible_one_is_refused_naming_it() {
    let (_dir, mut inst) = launched_alone(example("slider")).await;
    assert_eq!(inst.page_data()["volume"], 20);

    slide(&mut inst, "#volume", "changing", json!(30))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["dragging"], 30);
    slide(&mut inst, "#volume", "change", json!(35))
        .await
        .unwrap();
    assert_eq!(inst.page_data()["volume"], 35);
    assert_eq!(inst.page_data()["dragging"], Value::Null);

    for (value, why) in [
        (json!(55), "`value` 55 is outside `min` 0 to `max` 50"),
        (json!(-5), "`value` -5 is outside `min` 0 to `max` 50"),
        (
            json!(12),
            "`value` 12 is not on the `step` 5 grid from `min` 0",
        ),
        (json!("40"), "`value` must be a number, not \"40\""),
    ] {
        let error = slide(&mut inst, "#volume", "change", value)
            .await
            .unwrap_err();
        let error = error.to_string();
        assert!(
            error.contains(&format!("`change` on <slider>: {why}")),
            "{error}"
        );
    }
    let error = slide(&mut inst, "#muted", "change", json!(0))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("it is `disabled`"), "{error}");
    // None of them reached the app.
    assert_eq!(inst.page_data()["volume"], 35);
    assert_eq!(inst.page_data()["dragging"], Value::Null);
}
