//! The picker example: each of WeChat's five picker modes sends its change
//! to the app, which shows what was chosen; a value the rendered picker
//! could not produce (an index off its range, a time out of its hours, a
//! region not in the table in force) is refused naming it, and the app
//! never sees it. The operator's policy can replace the region table: a
//! good file is then the one changes are checked against, a bad one stops
//! the runtime from starting, naming the line.

use miniapp_runtime::{AppInstance, LaunchOptions, providers::Providers};
use serde_json::{Value, json};

use crate::common::{event_on, example, granting, launched, launched_alone, runtime};

/// Send `detail` as a change on `selector`, which must be refused for `why`.
async fn refused(inst: &mut AppInstance, selector: &str, detail: Value, why: &str) {
    let error = event_on(inst, selector, "change", detail)
        .await
        .unwrap_err();
    let error = error.to_string();
    assert!(
        error.contains(&format!("`change` on <picker>: {why}")),
        "{error}"
    );
}

#[tokio::test]
async fn each_picker_modes_change_reaches_the_app_and_an_impossible_one_is_refused() {
    let (_dir, mut inst) = launched_alone(example("picker")).await;
    let data = |inst: &AppInstance, key: &str| inst.page_data()[key].clone();

    event_on(&mut inst, "#fruit", "change", json!({"value": 2}))
        .await
        .unwrap();
    assert_eq!(data(&inst, "fruit"), 2);
    refused(
        &mut inst,
        "#fruit",
        json!({"value": 3}),
        "`value` 3 is outside its `range` of 3 items",
    )
    .await;
    event_on(&mut inst, "#fruit", "cancel", json!({}))
        .await
        .unwrap();
    assert_eq!(data(&inst, "cancelled"), true);

    event_on(
        &mut inst,
        "#size",
        "columnchange",
        json!({"column": 1, "value": 1}),
    )
    .await
    .unwrap();
    assert_eq!(data(&inst, "column"), json!({"column": 1, "value": 1}));
    event_on(&mut inst, "#size", "change", json!({"value": [2, 1]}))
        .await
        .unwrap();
    assert_eq!(data(&inst, "size"), json!([2, 1]));
    refused(
        &mut inst,
        "#size",
        json!({"value": [0, 2]}),
        "`value` 2 is outside its `range` column 1 of 2 items",
    )
    .await;
    // A linked column: a large box (column 0 moved to 2) offers a crate,
    // and the host checks the change against the range the app rendered.
    let large = json!({"column": 0, "value": 2});
    event_on(&mut inst, "#size", "columnchange", large)
        .await
        .unwrap();
    assert_eq!(data(&inst, "sizes")[1], json!(["Paper", "Gift", "Crate"]));
    event_on(&mut inst, "#size", "change", json!({"value": [2, 2]}))
        .await
        .unwrap();
    assert_eq!(data(&inst, "size"), json!([2, 2]));

    event_on(&mut inst, "#time", "change", json!({"value": "17:45"}))
        .await
        .unwrap();
    assert_eq!(data(&inst, "time"), "17:45");
    refused(
        &mut inst,
        "#time",
        json!({"value": "18:01"}),
        "`value` \"18:01\" is outside `start` 09:00 to `end` 18:00",
    )
    .await;

    event_on(&mut inst, "#date", "change", json!({"value": "2027-02-28"}))
        .await
        .unwrap();
    assert_eq!(data(&inst, "date"), "2027-02-28");
    refused(
        &mut inst,
        "#date",
        json!({"value": "2027-02-29"}),
        "`value` must be a date \"YYYY-MM-DD\"",
    )
    .await;

    let shenzhen =
        json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"]});
    event_on(&mut inst, "#region", "change", shenzhen)
        .await
        .unwrap();
    assert_eq!(data(&inst, "region"), json!(["广东省", "深圳市", "南山区"]));
    assert_eq!(data(&inst, "code"), "440000 440300 440305");
    let wrong =
        json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "110101"]});
    refused(
        &mut inst,
        "#region",
        wrong,
        "`code` `110101` is not `南山区`'s, which is `440305`",
    )
    .await;

    // model:value: the host sets the bound index, no handler of the app's.
    event_on(&mut inst, "#speed", "change", json!({"value": 1}))
        .await
        .unwrap();
    assert_eq!(data(&inst, "speed"), 1);
    refused(
        &mut inst,
        "#speed",
        json!({"value": 2}),
        "`value` 2 is outside its `range` of 2 items",
    )
    .await;

    // None of the refused ones reached the app.
    let kept = ["fruit", "size", "time", "date", "region", "speed"].map(|k| data(&inst, k));
    assert_eq!(
        kept,
        [
            json!(2),
            json!([2, 2]),
            json!("17:45"),
            json!("2027-02-28"),
            json!(["广东省", "深圳市", "南山区"]),
            json!(1)
        ]
    );
}

#[tokio::test]
async fn the_policys_region_table_replaces_the_shipped_one_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("regions.tsv");
    std::fs::write(&table, "N\tNorthland\nN1\tPort\tN\nN11\tDocks\tN1\n").unwrap();
    let package = example("picker");
    let mut policy = granting(&package);
    policy.host.region_table = Some(table.clone());
    let (_data, mut inst) = launched(
        policy.clone(),
        Providers::default(),
        package,
        LaunchOptions::default(),
    )
    .await;
    let docks = json!({"value": ["Northland", "Port", "Docks"], "code": ["N", "N1", "N11"]});
    event_on(&mut inst, "#region", "change", docks)
        .await
        .unwrap();
    assert_eq!(inst.page_data()["code"], "N N1 N11");
    let shenzhen =
        json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"]});
    refused(
        &mut inst,
        "#region",
        shenzhen,
        "`value` `广东省` is not a province of the region table",
    )
    .await;

    for (text, why) in [
        (
            "N\tNorthland\nC\tPort\tZ\n",
            "line 2: parent `Z` of `C` is not an earlier line's code",
        ),
        (
            "N\tNorthland\nN\tSouthland\n",
            "line 2: code `N` appears twice",
        ),
        ("N\t\n", "line 1: a region's name is empty"),
    ] {
        std::fs::write(&table, text).unwrap();
        let built = miniapp_runtime::Runtime::builder(dir.path().join("data"))
            .policy(policy.clone())
            .build();
        let error = built.err().expect("a bad table refused").to_string();
        assert!(
            error.contains("policy `host.region_table`") && error.contains(why),
            "{error}"
        );
    }
    std::fs::write(
        &table,
        vec![b'#'; miniapp_runtime::view::region::MAX_BYTES + 1],
    )
    .unwrap();
    let built = miniapp_runtime::Runtime::builder(dir.path().join("data"))
        .policy(policy)
        .build();
    let error = built.err().expect("an oversized table refused").to_string();
    assert!(error.contains("is over 1048576 bytes"), "{error}");
    // The runtime in force reports the table it checks against.
    let rt = runtime(
        dir.path(),
        granting(&example("picker")),
        Providers::default(),
    );
    assert!(rt.regions().len() > 3000);
}
