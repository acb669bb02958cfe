//! The device's facts through a real guest (`guest-examples/hello`, its
//! `device` handler): the default phone, the facts a client sent, and bad
//! facts refused at launch with the field named.

use miniapp_runtime::{DeviceFacts, LaunchOptions, Providers, SafeArea, Theme};
use serde_json::json;

use crate::common::{example, granting, launched, launched_alone, runtime};

/// hello's answer to its `device` handler: `wx.getSystemInfoSync`'s object.
async fn system_info(mut inst: miniapp_runtime::AppInstance) -> serde_json::Value {
    let event = miniapp_runtime::Event::new("index", "device");
    inst.dispatch(&event).await.unwrap();
    assert_eq!(inst.page_data()["can_read_device"], true);
    inst.page_data()["system_info"].clone()
}

#[tokio::test]
async fn without_facts_an_app_reads_the_default_phone() {
    let (_dir, inst) = launched_alone(example("hello")).await;
    let info = system_info(inst).await;
    let expected = json!({
        "screenWidth": 375, "screenHeight": 667,
        "windowWidth": 375, "windowHeight": 667,
        "pixelRatio": 2.0, "statusBarHeight": 20,
        "safeArea": {"left": 0, "right": 375, "top": 20, "bottom": 667, "width": 375, "height": 647},
        "brand": "devtools", "model": "miniapp", "system": "miniapp", "platform": "devtools",
        "language": "en", "theme": "light", "fontSizeSetting": 16,
        "hostVersion": miniapp_runtime::HostProfile::default().version,
    });
    assert_eq!(info, expected);
}

/// A tablet in dark mode, in Chinese.
fn tablet() -> DeviceFacts {
    DeviceFacts {
        screen_width: 820,
        window_height: 1100,
        pixel_ratio: 2.5,
        safe_area: SafeArea {
            left: 10,
            right: 810,
            top: 24,
            bottom: 1160,
        },
        brand: "Huawei".into(),
        model: "MatePad 11".into(),
        system: "HarmonyOS 4.0".into(),
        platform: "android".into(),
        language: "zh_CN".into(),
        theme: Theme::Dark,
        font_size_setting: 20,
        ..DeviceFacts::phone(820, 1180, 2.0)
    }
}

#[tokio::test]
async fn an_app_reads_the_facts_its_client_sent() {
    let hello = example("hello");
    let options = LaunchOptions {
        device: Some(tablet()),
        ..LaunchOptions::default()
    };
    let (_dir, inst) = launched(granting(&hello), Providers::default(), hello, options).await;
    let info = system_info(inst).await;
    let facts: Vec<(&str, serde_json::Value)> = vec![
        ("screenWidth", json!(820)),
        ("screenHeight", json!(1180)),
        ("windowWidth", json!(820)),
        ("windowHeight", json!(1100)),
        ("pixelRatio", json!(2.5)),
        (
            "safeArea",
            json!({"left": 10, "right": 810, "top": 24, "bottom": 1160, "width": 800, "height": 1136}),
        ),
        ("brand", json!("Huawei")),
        ("model", json!("MatePad 11")),
        ("system", json!("HarmonyOS 4.0")),
        ("platform", json!("android")),
        ("language", json!("zh_CN")),
        ("theme", json!("dark")),
        ("fontSizeSetting", json!(20)),
    ];
    for (name, value) in facts {
        assert_eq!(info[name], value, "{name} in {info}");
    }
}

#[tokio::test]
async fn bad_facts_are_refused_at_launch_naming_the_field() {
    let hello = example("hello");
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(dir.path(), granting(&hello), Providers::default());
    let app = rt.load(hello).unwrap();
    let bad: Vec<(DeviceFacts, &str)> = vec![
        (
            DeviceFacts::phone(0, 667, 2.0),
            "device fact `screenWidth` is 0; it must be 1 to 10000 CSS pixels",
        ),
        (
            DeviceFacts::phone(375, 20_000, 2.0),
            "device fact `screenHeight` is 20000",
        ),
        (
            DeviceFacts::phone(375, 667, f64::NAN),
            "device fact `pixelRatio` is NaN; it must be 0.5 to 8",
        ),
        (
            DeviceFacts::phone(375, 667, 9.0),
            "device fact `pixelRatio` is 9",
        ),
        (
            DeviceFacts {
                model: "x".repeat(65),
                ..tablet()
            },
            "device fact `model` is 65 bytes; at most 64",
        ),
        (
            DeviceFacts {
                language: "en\u{1b}[31m".into(),
                ..tablet()
            },
            "device fact `language` holds the control character '\\u{1b}'",
        ),
        (
            DeviceFacts {
                safe_area: SafeArea {
                    left: 300,
                    right: 100,
                    top: 0,
                    bottom: 10,
                },
                ..tablet()
            },
            "device fact `safeArea` has its right edge (100) left of its left (300)",
        ),
    ];
    for (facts, words) in bad {
        let options = LaunchOptions {
            device: Some(facts),
            ..LaunchOptions::default()
        };
        let err = app.launch(options).await.err().expect("refused");
        assert!(
            matches!(err, miniapp_runtime::Error::BadRequest { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains(words), "{err}\nwants: {words}");
    }
}
