//! `<button open-type>` flows: a tap on such a button is the host's (the
//! view resolves it as a navigator's, [`Resolved::OpenType`]); the host
//! runs the flow it draws and owns, through the embedder's providers,
//! within the tap, and its result reaches the app as the event WeChat
//! names on that button (`bindgetphonenumber` `{errMsg, code}`,
//! `bindchooseavatar` `{avatarUrl}`, `bindopensetting` `{authSetting}`,
//! `bindcontact`, `bindgetuserinfo`, `bindagreeprivacyauthorization`). A
//! client of the view cannot report these events itself
//! (`view::events::details`).
//!
//! [`Resolved::OpenType`]: miniapp_view::events::Resolved::OpenType

use miniapp_config::Scope;
use miniapp_view::events::{Dispatch, OpenType};
use serde_json::{Map, Value, json};

use super::AppInstance;
use crate::capability::device_files::written;
use crate::capability::permission::changed_in_settings;
use crate::consent::Consent;
use crate::error::Error;
use crate::providers::{ImageSources, Modal, PickedImage};

/// WeChat's `nickName` of the anonymous profile `getUserInfo` gives.
const ANONYMOUS_NICKNAME: &str = "微信用户";

impl AppInstance {
    /// Run `open_type`'s flow for a tap on its button: `results` (the
    /// button's handlers of the flow's event) with the flow's detail, or
    /// none when the flow ends with no event (the user did not agree to
    /// the privacy guide, or closed the customer service).
    pub(in crate::instance) async fn open_type_flow(
        &mut self,
        open_type: OpenType,
        results: Vec<Dispatch>,
        card: Option<(String, String)>,
    ) -> Result<Vec<Dispatch>, Error> {
        let detail = match open_type {
            OpenType::GetPhoneNumber => Some(self.phone_number().await),
            OpenType::ChooseAvatar => self.avatar().await?,
            OpenType::OpenSetting => Some(self.settings().await?),
            OpenType::Contact => self.contact(card).await,
            OpenType::GetUserInfo => Some(anonymous_user_info()),
            OpenType::AgreePrivacyAuthorization => self.privacy().await,
        };
        let Some(detail) = detail else {
            return Ok(Vec::new());
        };
        let filled = |dispatch: Dispatch| Dispatch {
            detail: detail.clone(),
            ..dispatch
        };
        Ok(results.into_iter().map(filled).collect())
    }

    /// `getPhoneNumber`: the host asks the user (each time, as WeChat's
    /// phone-number sheet does); agreed, the identity provider's one-time
    /// code, never the number.
    async fn phone_number(&mut self) -> Value {
        let fail = |why: &str| json!({"errMsg": format!("getPhoneNumber:fail {why}")});
        let content = format!("{} asks for your phone number", self.app.manifest.name);
        match self
            .ask(modal("Phone number", content, "Deny", "Allow"))
            .await
        {
            Ok(true) => {}
            Ok(false) => return fail("user deny"),
            Err(why) => return fail(&why),
        }
        let user = (self.live.as_ref())
            .and_then(|live| live.store.data().identity.as_ref().ok())
            .map(|identity| identity.user().map(str::to_string));
        let Some(user) = user else {
            return fail("the app has no `identity` capability");
        };
        let identity = self.app.services.providers.identity.clone();
        let app = self.app.manifest.id.clone();
        match (identity.phone_number_code(&app, user.as_deref())).await {
            Ok(code) => json!({"errMsg": "getPhoneNumber:ok", "code": code}),
            Err(e) => fail(&e.0),
        }
    }

    /// `chooseAvatar`: the host's image picker (album or camera); the
    /// picked image lands in the app's temp area as `chooseImage`'s do.
    /// Closed, no event (as WeChat).
    async fn avatar(&mut self) -> Result<Option<Value>, Error> {
        let app = self.app.manifest.id.clone();
        let device = self.app.services.providers.device.clone();
        let sources = ImageSources {
            album: true,
            camera: true,
        };
        let picked = match device.choose_image(&app, 1, sources).await {
            Ok(Some(mut picked)) if picked.len() == 1 => picked.remove(0),
            Ok(Some(picked)) => {
                return Err(self.refused(format!(
                    "the host's picker gave {} images for an avatar",
                    picked.len()
                )));
            }
            Ok(None) => return Ok(None),
            Err(e) => return Err(self.refused(format!("the avatar picker failed: {}", e.0))),
        };
        let PickedImage(bytes) = picked;
        let live = self.live.as_ref().ok_or_else(|| self.discarded())?;
        let temp = live.store.data().device.temp.clone();
        let max = self.app.grants.quotas.http_response_bytes;
        let mut files = (written(&temp, vec![bytes], max).await)
            .map_err(|e| self.refused(format!("the avatar: {}", e.message())))?;
        let (file, _) = files.remove(0);
        Ok(Some(json!({"avatarUrl": file.keep()})))
    }

    /// `openSetting`: the host's settings page of the app (the scopes the
    /// user answered); the changes are stored and `authSetting` is the
    /// scopes as the user left them.
    async fn settings(&mut self) -> Result<Value, Error> {
        let Some(live) = self.live.as_mut() else {
            return Err(self.discarded());
        };
        let call = &mut live.store.data_mut().call;
        let app = call.app.clone();
        let refused = |e: crate::capability::CallError| Error::BadRequest {
            app: app.manifest.id.clone(),
            reason: format!("the settings page: {}", e.message()),
        };
        let shown = call.consent.answered(&app).map_err(refused)?;
        let ns = call.consent.namespace().to_string();
        let device = &app.services.providers.device;
        let left = match device.open_setting(&app.manifest.id, shown.clone()).await {
            Ok(left) => left,
            Err(e) => return Err(refused(crate::capability::CallError::failed(e.0))),
        };
        changed_in_settings(&app, &ns, &shown, &left).map_err(refused)?;
        let mut auth = Map::new();
        for &(scope, was) in &shown {
            let now = (left.iter().find(|(s, _)| *s == scope))
                .map(|&(_, now)| now)
                .filter(|now| *now != Consent::NotAsked)
                .unwrap_or(was);
            auth.insert(wechat_scope(scope).into(), json!(now == Consent::Granted));
        }
        Ok(json!({"authSetting": auth}))
    }

    /// `contact`: this host has no customer-service chat; its prompt says
    /// so and offers the button's message card (`card`: title, path), if
    /// any. Opened, `bindcontact` `{errMsg, path, query}` as WeChat sends
    /// it when the user comes back through the card; else no event.
    async fn contact(&mut self, card: Option<(String, String)>) -> Option<Value> {
        let name = &self.app.manifest.name;
        let Some((title, path)) = card else {
            let content = format!("{name} has no customer-service chat on this host");
            let _ = self.ask(modal("Customer service", content, "", "OK")).await;
            return None;
        };
        let content =
            format!("{name} has no customer-service chat on this host. Open its card \"{title}\"?");
        let asked = self.ask(modal("Customer service", content, "Close", "Open"));
        if asked.await != Ok(true) {
            return None;
        }
        let (path, query) = path.split_once('?').unwrap_or((&path, ""));
        let query: Map<String, Value> = (query.split('&'))
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .map(|(name, value)| (name.to_string(), json!(value)))
            .collect();
        Some(json!({"errMsg": "enterContact:ok", "path": path, "query": query}))
    }

    /// `agreePrivacyAuthorization`: the host shows the app's privacy
    /// guide; agreed, the event (`{errMsg}`), not agreed, none.
    async fn privacy(&mut self) -> Option<Value> {
        let content = format!(
            "Agree to {}'s privacy guide before using the features it covers?",
            self.app.manifest.name
        );
        let asked = self.ask(modal("Privacy guide", content, "Disagree", "Agree"));
        match asked.await {
            Ok(true) => Some(json!({"errMsg": "agreePrivacyAuthorization:ok"})),
            Ok(false) | Err(_) => None,
        }
    }

    /// Ask the user `modal` through the host's UI: confirmed or not; why
    /// not, when there is no one to ask or the host failed. The answer's
    /// future holds nothing of the instance (it is sent across threads).
    fn ask(&self, modal: Modal) -> impl Future<Output = Result<bool, String>> + Send + use<> {
        let ui = self.app.services.providers.host_ui.clone();
        let asked = ui
            .can_ask()
            .then(|| ui.ask_modal(&self.app.manifest.id, modal));
        async move {
            let asked = asked.ok_or("this host has no screen to ask the user")?;
            asked.await.map(|a| a.confirm).map_err(|e| e.0)
        }
    }

    fn refused(&self, reason: String) -> Error {
        Error::BadRequest {
            app: self.app.manifest.id.clone(),
            reason,
        }
    }
}

/// A modal of the host's own flow (`cancel` empty: no cancel button).
fn modal(title: &str, content: String, cancel: &str, confirm: &str) -> Modal {
    Modal {
        title: title.into(),
        content,
        show_cancel: !cancel.is_empty(),
        cancel_text: cancel.into(),
        cancel_color: "#000000".into(),
        confirm_text: confirm.into(),
        confirm_color: "#576B95".into(),
        editable: false,
        placeholder_text: String::new(),
    }
}

/// What `getUserInfo` gives since WeChat made it anonymous (2022): the
/// nickname `微信用户`, no avatar (WeChat's is its grey default picture),
/// gender 0 and empty places; never the user's profile.
fn anonymous_user_info() -> Value {
    json!({
        "errMsg": "getUserInfo:ok",
        "userInfo": {
            "nickName": ANONYMOUS_NICKNAME,
            "avatarUrl": "",
            "gender": 0,
            "country": "",
            "province": "",
            "city": "",
            "language": "",
        },
    })
}

/// `scope`'s name in WeChat's `authSetting`.
fn wechat_scope(scope: Scope) -> &'static str {
    match scope {
        Scope::UserLocation => "scope.userLocation",
        Scope::UserInfo => "scope.userInfo",
        Scope::Album => "scope.writePhotosAlbum",
        Scope::Camera => "scope.camera",
        Scope::Record => "scope.record",
    }
}
