//! `miniapp run --answer` and `--fixture`: the dialogs an app opens are
//! answered from the command line, in order, and each step prints what the
//! host drew (the feedback example); `--fixture location=LAT,LON` is the
//! position the app reads (the news example); `--fixture image=FILE` the
//! image the user picks (the device-apis example).

use serde_json::{Value, json};

use crate::cli::{assert_exit, json_steps, last_data, run_fresh, stderr, stdout};

/// Longer than any run below needs: `--wait` ends once nothing is
/// pending, so only a hang reaches it.
const WAIT: &str = "60000";

/// The step named `name`.
pub(crate) fn step<'a>(steps: &'a [Value], name: &str) -> &'a Value {
    (steps.iter())
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {steps:?}"))
}

#[test]
fn run_answer_confirms_a_modal_and_the_step_shows_it_drawn() {
    let args = ["--tap", "#delete", "--answer", "modal=confirm"];
    let out = run_fresh(
        "feedback",
        &[&args[..], &["--wait", WAIT, "--json"]].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = json_steps(&out);
    let drawn = &step(&steps, "tap #delete")["host_ui"];
    assert_eq!(drawn[0]["ui"], "modal", "{drawn}");
    assert_eq!(drawn[0]["title"], "Delete the order?", "{drawn}");
    assert_eq!(drawn[0]["confirm_text"], "Delete", "{drawn}");
    let data = last_data(&out);
    assert_eq!(
        (&data["deleted"], &data["modal"]),
        (&json!(true), &json!("confirm"))
    );
}

#[test]
fn run_answers_go_to_the_dialogs_in_order_typed_text_and_an_item() {
    let args = [
        "--tap",
        "#delete",
        "--tap",
        "#rename",
        "--tap",
        "#pick",
        "--answer",
        "modal=cancel",
        "--answer",
        "modal=Ada",
        "--answer",
        "action-sheet=1",
    ];
    let out = run_fresh(
        "feedback",
        &[&args[..], &["--wait", WAIT, "--json"]].concat(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let data = last_data(&out);
    assert_eq!(data["modal"], "cancel", "{data}");
    assert_eq!(data["deleted"], false, "{data}");
    assert_eq!(data["name"], "Ada", "{data}");
    assert_eq!(data["picked"], 1, "{data}");
    assert!(!stderr(&out).contains("warning"), "every answer used");
    let steps = json_steps(&out);
    let sheet = &step(&steps, "tap #pick")["host_ui"][0];
    assert_eq!(sheet["ui"], "action-sheet", "{sheet}");
    assert_eq!(sheet["item_list"][1], "Choose from the album", "{sheet}");
}

#[test]
fn run_prints_the_toasts_and_bars_a_step_drew_one_line_each() {
    let out = run_fresh("feedback", &["--tap", "#save", "--tap", "#frame"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let host: Vec<&str> = (text.lines())
        .filter(|l| l.starts_with("   host  "))
        .collect();
    assert!(host[0].starts_with("   host  toast {"), "{text}");
    assert!(host[0].contains(r#""title":"Saved""#), "{text}");
    assert!(
        host.contains(&r#"   host  navigation-bar-title {"title":"Feedback"}"#),
        "{text}"
    );
    // The frame's nine changes, after the toast.
    assert_eq!(host.len(), 10, "{text}");
}

#[test]
fn run_a_dialog_with_no_answer_left_fails_naming_the_flag() {
    let out = run_fresh("feedback", &["--tap", "#delete", "--wait", WAIT]);
    assert_exit(
        &out,
        1,
        "miniapp run has no --answer left for this modal: add `--answer modal=confirm|cancel|TEXT`",
    );
    // An app that handles the failure (the sheet's `fail`) is told why.
    let args = [
        "--tap",
        "#pick",
        "--answer",
        "modal=confirm",
        "--wait",
        WAIT,
    ];
    let out = run_fresh("feedback", &[&args[..], &["--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let picked = &last_data(&out)["picked"];
    let said = "no --answer left for this action sheet: add `--answer action-sheet=N|cancel`";
    assert!(picked.as_str().unwrap().contains(said), "{picked}");
    let unused = "warning: 1 --answer was not used: no dialog of its kind took it";
    assert!(stderr(&out).contains(unused), "{}", stderr(&out));
}

#[test]
fn run_refuses_an_answer_it_cannot_give() {
    let bad = |args: &[&str], says: &str| assert_exit(&run_fresh("feedback", args), 2, says);
    bad(
        &["--answer", "toast=ok", "--wait", WAIT],
        "--answer `toast=ok`: `toast` is not a dialog the host draws",
    );
    bad(
        &["--answer", "action-sheet=9", "--wait", WAIT],
        "`9` is not an action sheet's item: an index from 0 to 5, or `cancel`",
    );
    bad(
        &["--answer", "modal=confirm"],
        "--answer: a dialog's answer reaches the app as a completion, after the events; add --wait MS",
    );
}

#[test]
fn run_fixture_location_is_the_position_the_app_reads() {
    let args = ["--grant", "user-location", "--event", "index:locate"];
    let at = "location=-33.8688,151.2093";
    let out = run_fresh("news", &[&args[..], &["--fixture", at, "--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let position = &last_data(&out)["position"];
    assert_eq!(position["latitude"], -33.8688, "{position}");
    assert_eq!(position["longitude"], 151.2093, "{position}");
    let out = run_fresh(
        "news",
        &[&args[..], &["--fixture", "location=91,0"]].concat(),
    );
    assert_exit(
        &out,
        2,
        "--fixture `location=91,0`: the latitude 91 is out of range: -90 to 90 degrees",
    );
    let out = run_fresh("news", &["--fixture", "weather=rain"]);
    assert_exit(
        &out,
        2,
        "`weather` is not a fixture (known: location=LAT,LON)",
    );
}

/// The device-apis example's data after `miniapp run` dispatched `event`
/// with `fixtures` (`--fixture` each) and waited for its completions.
fn run_picking(event: &str, fixtures: &[String]) -> Value {
    let mut args = vec!["--event", event, "--wait", WAIT, "--json"];
    for fixture in fixtures {
        args.extend(["--fixture", fixture]);
    }
    let out = run_fresh("device-apis", &args);
    assert!(out.status.success(), "{}", stderr(&out));
    last_data(&out)
}

#[test]
fn run_fixture_image_is_the_file_the_user_picks() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.png");
    let bytes = b"\x89PNG\r\n\x1a\n a photo";
    std::fs::write(&photo, bytes).unwrap();
    let pick = r#"index:choose-image={"count":"2"}"#;
    let fixture = format!("image={}", photo.display());
    let data = run_picking(pick, &[fixture]);
    let images = &data["images"];
    assert_eq!(images.as_array().map(Vec::len), Some(1), "{images}");
    assert_eq!(images[0]["size"], bytes.len(), "{images}");
    let path = images[0]["path"].as_str().unwrap();
    assert!(path.starts_with("wxfile://tmp/"), "{images}");
    assert_eq!(
        run_picking(pick, &[])["images"],
        "unsupported: this host has no screen for the image picker"
    );
}

/// The header of an MP4 video 8 seconds long (timescale 1000) whose video
/// track is 480 by 270: `ftyp`, then `moov` holding `mvhd` and a `trak`
/// with its `tkhd` and `mdia/hdlr` of `vide` (no frames: the picker reads
/// only the header).
const CLIP: &str = concat!(
    "000000106674797069736f6d00000000000001006d6f6f760000006c6d7668640000000000000000",
    "00000000000003e800001f4000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000008c7472616b0000005c746b6864000000000000000000000000",
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000",
    "00000000000000000000000000000000000000000000000001e00000010e0000000000286d646961",
    "0000002068646c72000000000000000076696465000000000000000000000000",
);

#[test]
fn run_fixture_video_is_the_video_the_user_picks_read_from_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    let byte = |at: usize| u8::from_str_radix(&CLIP[at..at + 2], 16).unwrap();
    let bytes: Vec<u8> = (0..CLIP.len()).step_by(2).map(byte).collect();
    std::fs::write(&clip, bytes).unwrap();
    let fixture = [format!("video={}", clip.display())];
    let video = run_picking(r#"index:choose-video={"max":"10"}"#, &fixture)["video"].clone();
    assert!(
        (video.as_str()).is_some_and(|v| v.starts_with("480x270 8s wxfile://tmp/")),
        "{video}"
    );
    // A video longer than the app's max-duration is refused naming both.
    assert_eq!(
        run_picking(r#"index:choose-video={"max":"5"}"#, &fixture)["video"],
        "failed: picked file 1 (272 bytes) is a video of 8 seconds, over the max-duration of 5"
    );
}
