//! `frame.media-context`: a video or audio of the page asked to act, as
//! WeChat's `VideoContext` and `AudioContext` (`wx.createVideoContext(id)`)
//! do. The host checks the action's values and hands it to its UI
//! provider, which acts on the page's element with that id; an id no video
//! or audio of the page has does nothing, as on WeChat.

use super::super::{CallCtx, CallError, CallResult};
use crate::bindings::frame::MediaAction as Asked;
use crate::providers::{HostUi, MediaAction};

/// Characters at most in an element id.
const ID_CHARS: usize = 256;
/// The rates WeChat's `VideoContext.playbackRate` takes.
const RATES: [f64; 6] = [0.5, 0.8, 1.0, 1.25, 1.5, 2.0];
/// A seek at most this far, seconds (a year).
const MOST_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

impl CallCtx {
    /// Check `action` on the element `id` and draw it.
    pub(in crate::capability) fn act_on_media(
        &mut self,
        id: String,
        action: Asked,
    ) -> CallResult<()> {
        let chars = id.chars().count();
        if chars == 0 || chars > ID_CHARS || id.chars().any(char::is_control) {
            return Err(CallError::invalid(format!(
                "a video's or audio's id must be 1 to {ID_CHARS} characters without control \
                 characters, not {chars} characters"
            )));
        }
        let action = match action {
            Asked::Play => MediaAction::Play,
            Asked::Pause => MediaAction::Pause,
            Asked::Stop => MediaAction::Stop,
            Asked::Seek(seconds)
                if seconds.is_finite() && (0.0..=MOST_SECONDS).contains(&seconds) =>
            {
                MediaAction::Seek {
                    position_ms: (seconds * 1000.0).round() as u64,
                }
            }
            Asked::Seek(seconds) => {
                return Err(CallError::invalid(format!(
                    "seek to {seconds} s: a position is a finite number of seconds from 0 to {MOST_SECONDS}"
                )));
            }
            Asked::PlaybackRate(rate) if RATES.contains(&rate) => MediaAction::PlaybackRate {
                percent: (rate * 100.0).round() as u32,
            },
            Asked::PlaybackRate(rate) => {
                return Err(CallError::invalid(format!(
                    "playback rate {rate}: WeChat's are 0.5, 0.8, 1.0, 1.25, 1.5 and 2.0"
                )));
            }
            Asked::RequestFullScreen => MediaAction::RequestFullScreen,
            Asked::ExitFullScreen => MediaAction::ExitFullScreen,
        };
        self.show(HostUi::Media { id, action })
    }
}

#[cfg(test)]
mod tests {
    use crate::bindings::frame::{Host as _, MediaAction as Asked};

    #[test]
    fn a_media_action_wechat_would_refuse_is_refused_naming_it() {
        let manifest = "id = \"demo.t\"\nname = \"T\"\nversion = \"0.1.0\"\npages = [\"index\"]\n";
        let mut host = crate::testing::TestHost::new(manifest, "", &[]);
        let mut refused = |id: &str, action: Asked| {
            let outcome = host.state.call.media_context(id.into(), action);
            let error = host.guest(outcome).unwrap_err();
            let crate::bindings::types::Error::InvalidArgument(message) = error else {
                panic!("not an invalid argument: {error:?}")
            };
            message
        };
        assert_eq!(
            refused("clip", Asked::Seek(-1.0)),
            "seek to -1 s: a position is a finite number of seconds from 0 to 31622400"
        );
        assert!(refused("clip", Asked::Seek(f64::NAN)).starts_with("seek to NaN s"));
        assert_eq!(
            refused("clip", Asked::PlaybackRate(3.0)),
            "playback rate 3: WeChat's are 0.5, 0.8, 1.0, 1.25, 1.5 and 2.0"
        );
        assert!(refused("", Asked::Play).starts_with("a video's or audio's id must be 1 to 256"));
        assert!(refused(&"v".repeat(257), Asked::Play).contains("not 257 characters"));
        let call = &mut host.state.call;
        call.media_context("clip".into(), Asked::Seek(2.5)).unwrap();
        call.media_context("clip".into(), Asked::PlaybackRate(1.25))
            .unwrap();
    }
}
