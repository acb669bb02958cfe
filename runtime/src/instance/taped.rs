//! An instance's recording (`crate::replay`): its tape, what failed in the
//! embedder's current call, the recording kept for it, and driving a
//! replay through the same entry points an embedder calls.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::{AppInstance, GuestPre, Hook, instantiate::instantiate_taped};
use crate::app_shared::AppShared;
use crate::error::Error;
use crate::event::LaunchOptions;
use crate::replay::{Bounds, Drive, Outcome, Recording, Tape};

/// The recording side of one instance.
#[derive(Default)]
pub(crate) struct Taped {
    /// The live store's tape (a relaunch gets a new one).
    pub tape: Tape,
    /// What failed in the embedder's current call, worst first.
    failed: Option<Outcome>,
    /// The recording kept for the last call that failed, until taken.
    kept: Option<Recording>,
    /// On replay, the top page when a trap discarded the store.
    pub page_at_trap: Option<(String, Value)>,
}

impl Taped {
    /// A new tape for an instance of `app`: recording if the runtime
    /// records, with the launch that starts it.
    pub fn launching(app: &AppShared, options: &LaunchOptions) -> Taped {
        if !app.services.recording {
            return Taped::default();
        }
        let quotas = &app.grants.quotas;
        let bounds = Bounds {
            bytes: quotas.recording_bytes,
            entries: quotas.recording_entries,
        };
        // Charged to the instance's own budget once its state exists.
        let tape = Tape::recording(bounds, crate::limits::HostMemory::new(u64::MAX));
        tape.drive(&Drive::Launch(crate::replay::Launch::of(options)));
        Taped {
            tape,
            ..Taped::default()
        }
    }

    /// The embedder calls in again (`drive`): the last call's failure, if
    /// any, is kept with everything up to now.
    pub fn drive(&mut self, app: &AppShared, drive: Drive<'_>) {
        if !self.tape.is_on() {
            return;
        }
        self.settle(app);
        self.tape.drive(&drive);
    }

    /// Keep the recording of a call that failed, as the tape holds it now.
    pub fn settle(&mut self, app: &AppShared) {
        if let Some(outcome) = self.failed.take() {
            let about = (
                app.manifest.id.as_str(),
                app.manifest.version.as_str(),
                app.hash.as_str(),
            );
            if let Some(recording) = self.tape.keep(about, outcome) {
                self.kept = Some(recording);
            }
        }
    }

    /// A hook ended in `outcome`: a trap outweighs a refusal.
    pub fn hook_ended(&mut self, outcome: &Result<(), Error>) {
        if !self.tape.is_on() {
            return;
        }
        let failed = match outcome {
            Err(e @ Error::Trapped { .. }) => Outcome::Trapped {
                message: e.to_string(),
            },
            Err(e @ Error::AppFailed { .. }) if self.failed.is_none() => Outcome::Refused {
                message: e.to_string(),
            },
            _ => return,
        };
        if !matches!(self.failed, Some(Outcome::Trapped { .. })) {
            self.failed = Some(failed);
        }
    }

    /// A relaunch's tape in place of the trapped instance's (whose
    /// recording, if kept, stays until taken).
    pub fn replace(&mut self, relaunched: Taped) {
        self.tape = relaunched.tape;
        self.failed = None;
        self.page_at_trap = None;
    }

    /// What failed in the current call, taken.
    pub fn take_failed(&mut self) -> Option<Outcome> {
        self.failed.take()
    }
}

impl AppInstance {
    /// The recording kept by the last event, completion or lifetime that
    /// trapped or was refused, taken once.
    pub fn take_recording(&mut self) -> Option<Recording> {
        let app = self.app.clone();
        self.taped.settle(&app);
        self.taped.kept.take()
    }

    /// The guest is about to be called with `hook`: false when a replay
    /// diverged (it must not be).
    pub(super) fn tape_input(&self, hook: &Hook<'_>) -> bool {
        !self.taped.tape.is_on() || self.taped.tape.input(hook)
    }

    /// Record the embedder's call `drive`.
    pub(super) fn tape_drive(&mut self, drive: Drive<'_>) {
        self.taped.drive(&self.app, drive);
    }

    /// A trap is about to discard the store: on replay, keep the page.
    pub(super) fn tape_trap(&mut self) {
        if !self.taped.tape.is_on() || !self.taped.tape.is_replaying() {
            return;
        }
        if let Some(page) = self.pages().last() {
            self.taped.page_at_trap = Some((page.route.clone(), page.data.clone()));
        }
    }

    /// A fresh instance of `app` answering from `tape` (its first drive,
    /// the launch, taken).
    pub(crate) async fn launch_replay(
        app: Arc<AppShared>,
        pre: &GuestPre,
        options: LaunchOptions,
        tape: Tape,
    ) -> Result<AppInstance, Error> {
        let live = instantiate_taped(&app, pre, &options, &tape).await?;
        let mut instance = AppInstance::assemble(app, pre, options, live);
        instance.taped.tape = tape;
        instance.start().await?;
        Ok(instance)
    }

    /// Ask of this replaying instance what `drive` asked of the recorded one.
    pub(crate) async fn replay_drive(&mut self, drive: Drive<'_>) -> Result<(), Error> {
        match drive {
            Drive::Launch(_) => Err(Error::BadRequest {
                app: self.app.manifest.id.clone(),
                reason: "the recording relaunches mid-way: a recording holds one instance".into(),
            }),
            Drive::Show => self.show().await,
            Drive::Hide => self.hide().await,
            Drive::Event(event) => self.dispatch(&event).await,
            Drive::Navigate {
                open_type,
                url,
                delta,
            } => self.navigate(&open_type, &url, delta).await,
            Drive::View { node, kind, detail } => {
                let event = miniapp_view::events::ViewEvent {
                    node,
                    kind: kind.into_owned(),
                    detail: detail.into_owned(),
                };
                self.dispatch_view(&event).await
            }
            Drive::TapTab(index) => self.tap_tab(index).await,
            Drive::Complete { id, outcome, owner } => {
                let completion = Drive::completion(id, outcome.into_owned(), owner);
                self.deliver(completion).await
            }
            Drive::PageEvent(event) => self.page_event(&event).await.map(drop),
        }
    }

    /// What failed in the last drive, taken (on replay).
    pub(crate) fn take_failed(&mut self) -> Option<Outcome> {
        self.taped.take_failed()
    }

    /// The top page now, or where a trap left it (on replay).
    pub(crate) fn replayed_page(&mut self) -> (String, Value) {
        if let Some(page) = self.taped.page_at_trap.take() {
            return page;
        }
        match self.pages().last() {
            Some(page) => (page.route.clone(), page.data.clone()),
            None => (String::new(), Value::Null),
        }
    }
}

/// `Cow::Borrowed`, for recording a drive.
pub(crate) fn lent<T: Clone>(value: &T) -> Cow<'_, T> {
    Cow::Borrowed(value)
}
