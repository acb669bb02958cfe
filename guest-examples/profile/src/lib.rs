//! Profile example: a "me" page built on WeChat's `<button open-type>`.
//! Each button's flow is the host's (it draws the prompt, the picker or
//! the settings page, and the app never sees the user's answer but as the
//! event WeChat names): `getPhoneNumber` gives a one-time code the app's
//! server would exchange for the number (never the number itself),
//! `chooseAvatar` a picked image in the app's temp area, `openSetting` the
//! scopes as the user left them, `getUserInfo` WeChat's anonymous profile,
//! `agreePrivacyAuthorization` the user's agreement.
//!
//! The app logs each result (`phone ERRMSG CODE`, `avatar PATH`, `settings
//! AUTHSETTING`, `user-info NICKNAME`, `privacy ERRMSG`, `contact PATH`,
//! `nickname NAME`, and `greet tapped` for the tap on a getUserInfo button
//! that binds `tap` too) so a test can read what reached it.

use miniapp_sdk::{App, Error, Event, Result, identity, json, log, view};

#[derive(Default)]
struct Profile;

/// The text field `name` of `event`'s detail (empty when absent).
fn text<'e>(event: &'e Event, name: &str) -> &'e str {
    event.detail[name].as_str().unwrap_or_default()
}

impl App for Profile {
    fn on_event(&mut self, event: &Event) -> Result<()> {
        match event.handler.as_str() {
            "onPhone" => {
                let (said, code) = (text(event, "errMsg"), text(event, "code"));
                log::info(format!("phone {said} {code}"));
                let phone = match code.is_empty() {
                    // A real app sends the code to its server, which
                    // exchanges it for the number.
                    false => "Phone number shared with the app's server".to_string(),
                    true => format!("Not shared ({said})"),
                };
                view::set_data(json!({ "phone": phone }))
            }
            "onAvatar" => {
                let avatar = text(event, "avatarUrl");
                log::info(format!("avatar {avatar}"));
                view::set_data(json!({ "avatar": avatar }))
            }
            "onSetting" => {
                let settings = event.detail["authSetting"].to_string();
                log::info(format!("settings {settings}"));
                view::set_data(json!({ "settings": settings }))
            }
            "onUserInfo" => {
                let name = event.detail["userInfo"]["nickName"].as_str();
                log::info(format!("user-info {}", name.unwrap_or_default()));
                Ok(())
            }
            "onAgree" => {
                log::info(format!("privacy {}", text(event, "errMsg")));
                view::set_data(json!({ "privacy": "Agreed" }))
            }
            "onContact" => {
                let order = event.detail["query"]["order"].as_str();
                let path = text(event, "path");
                log::info(format!("contact {path} {}", order.unwrap_or_default()));
                Ok(())
            }
            // A button with an open-type that binds `tap` too: its tap
            // handler runs first, then the flow (`onUserInfo`).
            "greet" => {
                log::info("greet tapped");
                Ok(())
            }
            "nickname" => {
                let profile = identity::profile()?;
                log::info(format!("nickname {}", profile.nickname));
                view::set_data(json!({ "nickname": profile.nickname }))
            }
            other => Err(Error::app(format!("unknown handler {other}"))),
        }
    }
}

miniapp_sdk::export_app!(Profile);
