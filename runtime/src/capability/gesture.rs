//! User gestures: a tap authorizes one sensitive action (one payment sheet,
//! one profile read, one app opening), as on the platforms. The host keeps
//! the gesture; the guest only learns that it holds one.

use std::time::{Duration, Instant};

use super::{CallError, CallResult};

/// The gesture of the current event, if it carries one.
#[derive(Debug, Default)]
pub(crate) struct Gesture {
    state: State,
    ttl: Duration,
}

#[derive(Debug, Default)]
enum State {
    /// The event is not a user gesture.
    #[default]
    None,
    /// Usable until the deadline.
    Live(Instant),
    /// Spent on an action.
    Spent(&'static str),
}

impl Gesture {
    /// No gesture; a granted one lives `ttl`.
    pub fn new(ttl: Duration) -> Gesture {
        Gesture {
            state: State::None,
            ttl,
        }
    }

    /// Start an event: a user gesture if `tap`, else none.
    pub fn start_event(&mut self, tap: bool) {
        self.state = match tap {
            true => State::Live(Instant::now() + self.ttl),
            false => State::None,
        };
    }

    /// Spend the gesture on `action`, or refuse it.
    pub fn spend(&mut self, action: &'static str) -> CallResult<()> {
        match self.state {
            State::Live(deadline) if Instant::now() <= deadline => {
                self.state = State::Spent(action);
                Ok(())
            }
            State::Live(_) => Err(CallError::denied(format!(
                "{action} needs a user gesture, and this event's gesture expired ({} ms)",
                self.ttl.as_millis()
            ))),
            State::Spent(by) => Err(CallError::denied(format!(
                "{action} needs a user gesture, and this tap's gesture was already used by {by} (one tap authorizes one sensitive action)"
            ))),
            State::None => Err(CallError::denied(format!(
                "{action} needs a user gesture (call it while handling a tap)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_tap_authorizes_one_action() {
        let mut gesture = Gesture::new(Duration::from_secs(1));
        assert!(
            CallError::message(&gesture.spend("request-payment").unwrap_err())
                .contains("while handling a tap")
        );
        gesture.start_event(true);
        gesture.spend("request-payment").unwrap();
        let again = CallError::message(&gesture.spend("get-profile").unwrap_err());
        assert!(again.contains("already used by request-payment"), "{again}");
        gesture.start_event(false);
        assert!(gesture.spend("open-mini-program").is_err());
        gesture.start_event(true);
        gesture.spend("open-mini-program").unwrap();
    }

    #[test]
    fn a_gesture_expires() {
        let mut gesture = Gesture::new(Duration::ZERO);
        gesture.start_event(true);
        std::thread::sleep(Duration::from_millis(2));
        let expired = CallError::message(&gesture.spend("request-payment").unwrap_err());
        assert!(expired.contains("expired (0 ms)"), "{expired}");
    }
}
