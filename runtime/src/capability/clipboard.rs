//! `clipboard`: set-clipboard-data and get-clipboard-data, as WeChat's
//! `wx.setClipboardData` and `wx.getClipboardData`. The clipboard is the
//! user's, held by the host's clipboard provider (by default one per user,
//! in memory, bounded in total and per writing app:
//! [`HeldClipboards`](crate::providers::HeldClipboards)); an app
//! writes at most `clipboard_bytes` to it, and reads it only with a user
//! gesture (what the user copied elsewhere is theirs: one tap authorizes
//! one read, as it does one payment sheet).

use super::{CallError, CallResult, Capability, Granted, View, bounded, context};
use crate::app_core::AppCore;
use crate::bindings::clipboard;

/// The clipboard of one instance: whose it is.
pub(crate) struct ClipboardCtx {
    user: Option<String>,
}

impl ClipboardCtx {
    /// The context of an instance of `app` for `user`, if the clipboard is
    /// granted.
    pub fn new(app: &AppCore, user: Option<&str>) -> Granted<ClipboardCtx> {
        super::grant(app, Capability::Clipboard)?;
        Ok(ClipboardCtx {
            user: user.map(str::to_string),
        })
    }
}

super::linked_by!(view of Granted<ClipboardCtx>, clipboard);

impl View<'_, Granted<ClipboardCtx>> {
    /// Refuse `data` over the app's `clipboard_bytes`.
    fn check_size(&self, data: &str, what: &str) -> CallResult<()> {
        let limit = self.call.app.grants.quotas.clipboard_bytes;
        match data.len() as u64 {
            len if len > limit => Err(CallError::quota(format!(
                "{what} is {len} bytes, over the clipboard_bytes quota of {limit} bytes"
            ))),
            _ => Ok(()),
        }
    }
}

#[miniapp_runtime_macros::recorded]
impl clipboard::Host for View<'_, Granted<ClipboardCtx>> {
    async fn set_clipboard_data(&mut self, data: String) -> CallResult<()> {
        let user = context(self.ctx)?.user.clone();
        self.check_size(&data, "the data")?;
        let app = &*self.call.app;
        let clipboard = &app.services.providers.clipboard;
        let write = clipboard.write(&app.manifest.id, user.as_deref(), data);
        bounded(self.call.deadline.left(), write)
            .await?
            .map_err(|e| CallError::failed(e.0))
    }

    async fn get_clipboard_data(&mut self) -> CallResult<String> {
        let user = context(self.ctx)?.user.clone();
        self.call.gesture.spend("get-clipboard-data")?;
        let app = &*self.call.app;
        let clipboard = &app.services.providers.clipboard;
        let read = clipboard.read(&app.manifest.id, user.as_deref());
        let data = bounded(self.call.deadline.left(), read)
            .await?
            .map_err(|e| CallError::failed(e.0))?;
        // The provider's clipboard may hold what another program put there.
        self.check_size(&data, "the clipboard's content")?;
        Ok(data)
    }
}
