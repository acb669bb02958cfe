//! A `<button open-type>` that binds `tap` itself: WeChat runs both, the
//! tap's handler first, then the flow (with the profile example's
//! getUserInfo button, whose flow asks nothing).

use miniapp_runtime::providers::{ScriptedDevice, ScriptedUi};

use crate::common::tap;
use crate::open_type::{profile, told};

#[tokio::test]
async fn a_tap_handler_on_an_open_type_button_runs_then_its_flow() {
    let (ui, device) = (ScriptedUi::default(), ScriptedDevice::default());
    let (_dir, mut inst) = profile(&ui, &device).await;
    told(&mut inst);
    tap(&mut inst, "#greet").await.unwrap();
    assert_eq!(told(&mut inst), ["greet tapped", "user-info 微信用户"]);
    // A button without a tap handler runs the flow alone, as before.
    tap(&mut inst, "#user-info").await.unwrap();
    assert_eq!(told(&mut inst), ["user-info 微信用户"]);
}
