//! `<button open-type>` flows with the profile example (a "me" page): a
//! tap on the button runs the host's flow through the providers (a modal,
//! the image picker, the settings page), and the result reaches the app as
//! the event WeChat names, allowed or denied; a client cannot report such
//! an event itself.

use std::sync::Arc;

use miniapp_runtime::providers::{
    DeviceAnswer, Drawn, FixedConsent, ModalAnswer, PickedImage, ScriptedAnswer, ScriptedDevice,
    ScriptedUi, Simulator,
};
use miniapp_runtime::{AppInstance, Consent, LaunchOptions, Providers, Scope};
use serde_json::json;

use crate::common::{event_on, example, granting, launched, tap};

/// A PNG's header, 3 by 2 pixels: the avatar the user picks.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x03\0\0\0\x02";

/// The profile example with the user answering modals from `ui`, the
/// device from `device`, the simulated identity and user-info granted.
pub(crate) async fn profile(
    ui: &ScriptedUi,
    device: &ScriptedDevice,
) -> (tempfile::TempDir, AppInstance) {
    let package = example("profile");
    let providers = Providers {
        host_ui: Arc::new(ui.clone()),
        device: Arc::new(device.clone()),
        identity: Arc::new(Simulator::default()),
        consent: Arc::new(FixedConsent::granting([Scope::UserInfo])),
        ..Providers::default()
    };
    let options = LaunchOptions::default();
    launched(granting(&package), providers, package, options).await
}

/// A modal answer: confirmed or cancelled.
fn modal(confirm: bool) -> ScriptedAnswer {
    ScriptedAnswer::Modal(ModalAnswer {
        confirm,
        content: None,
    })
}

/// What the app logged since the last look.
pub(crate) fn told(inst: &mut AppInstance) -> Vec<String> {
    (inst.drain_logs().into_iter()).map(|l| l.message).collect()
}

/// Tap `selector`, which must be taken.
async fn tapped(inst: &mut AppInstance, selector: &str) {
    (tap(inst, selector).await).unwrap_or_else(|e| panic!("{selector}: {e}"));
}

/// The titles of the modals `ui` drew since the last look.
fn modals(ui: &ScriptedUi) -> Vec<String> {
    (ui.take_drawn().into_iter())
        .filter_map(|d| match d {
            Drawn::Modal(m) => Some(m.title),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn get_phone_number_gives_a_one_time_code_when_allowed_and_user_deny_when_not() {
    let ui = ScriptedUi::answering([modal(true), modal(false)]);
    let (_dir, mut inst) = profile(&ui, &ScriptedDevice::default()).await;
    tapped(&mut inst, "#phone").await;
    let told_once = told(&mut inst);
    let [line] = told_once.as_slice() else {
        panic!("{told_once:?}");
    };
    let code = line.strip_prefix("phone getPhoneNumber:ok ").expect(line);
    assert!(
        code.len() == 32 && code.bytes().all(|b| b.is_ascii_hexdigit()),
        "a one-time code, not a number: {code}"
    );
    assert_eq!(modals(&ui), ["Phone number"]);
    tapped(&mut inst, "#phone").await;
    assert_eq!(told(&mut inst), ["phone getPhoneNumber:fail user deny "]);
    assert_eq!(
        inst.page_data()["phone"],
        "Not shared (getPhoneNumber:fail user deny)"
    );
}

#[tokio::test]
async fn get_phone_number_on_a_host_that_cannot_ask_fails_naming_why() {
    let package = example("profile");
    let providers = Providers {
        identity: Arc::new(Simulator::default()),
        ..Providers::default()
    };
    let (_dir, mut inst) = launched(
        granting(&package),
        providers,
        package,
        LaunchOptions::default(),
    )
    .await;
    tapped(&mut inst, "#phone").await;
    assert_eq!(
        told(&mut inst),
        ["phone getPhoneNumber:fail this host has no screen to ask the user "]
    );
}

#[tokio::test]
async fn choose_avatar_lands_the_picked_image_in_the_temp_area_and_a_closed_picker_sends_nothing() {
    let device = ScriptedDevice::answering([
        DeviceAnswer::Images(Some(vec![PickedImage(PNG.to_vec())])),
        DeviceAnswer::Images(None),
    ]);
    let (_dir, mut inst) = profile(&ScriptedUi::default(), &device).await;
    tapped(&mut inst, "#avatar").await;
    let told_once = told(&mut inst);
    let path = (told_once.first())
        .and_then(|l| l.strip_prefix("avatar "))
        .unwrap_or_else(|| panic!("{told_once:?}"))
        .to_string();
    assert!(path.starts_with("wxfile://tmp/"), "{path}");
    let files = inst.temp_files().expect("a live instance");
    assert_eq!(files.read(&path).unwrap(), PNG);
    assert_eq!(inst.page_data()["avatar"], json!(path));
    tapped(&mut inst, "#avatar").await;
    assert_eq!(told(&mut inst), Vec::<String>::new(), "closed: no event");
}

#[tokio::test]
async fn open_setting_stores_the_user_s_change_and_sends_the_auth_setting() {
    let device = ScriptedDevice::answering([
        DeviceAnswer::Setting(vec![]),
        DeviceAnswer::Setting(vec![(Scope::UserInfo, Consent::Denied)]),
    ]);
    let ui = ScriptedUi::default();
    let (_dir, mut inst) = profile(&ui, &device).await;
    tapped(&mut inst, "#name").await;
    assert_eq!(told(&mut inst), ["nickname Test User"]);
    // Left as it was: granted.
    tapped(&mut inst, "#settings").await;
    assert_eq!(told(&mut inst), [r#"settings {"scope.userInfo":true}"#]);
    // Turned off: denied, and it sticks.
    tapped(&mut inst, "#settings").await;
    assert_eq!(told(&mut inst), [r#"settings {"scope.userInfo":false}"#]);
    let refused = tap(&mut inst, "#name").await;
    let said = format!("{refused:?} {:?}", told(&mut inst));
    assert!(said.contains("denied"), "{said}");
}

#[tokio::test]
async fn contact_opens_the_message_card_when_the_user_does_and_nothing_when_closed() {
    let ui = ScriptedUi::answering([modal(true), modal(false)]);
    let (_dir, mut inst) = profile(&ui, &ScriptedDevice::default()).await;
    tapped(&mut inst, "#contact").await;
    assert_eq!(told(&mut inst), ["contact /pages/index 42"]);
    tapped(&mut inst, "#contact").await;
    assert_eq!(told(&mut inst), Vec::<String>::new());
    assert_eq!(modals(&ui), ["Customer service", "Customer service"]);
}

#[tokio::test]
async fn get_user_info_gives_wechat_s_anonymous_profile_without_asking() {
    let ui = ScriptedUi::default();
    let (_dir, mut inst) = profile(&ui, &ScriptedDevice::default()).await;
    tapped(&mut inst, "#user-info").await;
    assert_eq!(told(&mut inst), ["user-info 微信用户"]);
    assert_eq!(modals(&ui), Vec::<String>::new());
}

#[tokio::test]
async fn agreeing_to_the_privacy_guide_sends_the_event_and_disagreeing_sends_none() {
    let ui = ScriptedUi::answering([modal(false), modal(true)]);
    let (_dir, mut inst) = profile(&ui, &ScriptedDevice::default()).await;
    tapped(&mut inst, "#privacy").await;
    assert_eq!(told(&mut inst), Vec::<String>::new());
    assert_eq!(inst.page_data()["privacy"], json!(null));
    tapped(&mut inst, "#privacy").await;
    assert_eq!(told(&mut inst), ["privacy agreePrivacyAuthorization:ok"]);
    assert_eq!(inst.page_data()["privacy"], "Agreed");
}

#[tokio::test]
async fn a_client_cannot_send_an_open_type_result_itself() {
    let ui = ScriptedUi::default();
    let (_dir, mut inst) = profile(&ui, &ScriptedDevice::default()).await;
    let forged = json!({"errMsg": "getPhoneNumber:ok", "code": "forged"});
    let refused = event_on(&mut inst, "#phone", "getphonenumber", forged).await;
    let refused = refused.expect_err("a forged result is refused").to_string();
    assert!(refused.contains("only the host reports it"), "{refused}");
    assert_eq!(told(&mut inst), Vec::<String>::new());
}
