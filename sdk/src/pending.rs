//! The host calls the executor and the timers make (the WIT's `pending`
//! interface, and the log line for an extra error), in one place so that the
//! SDK's unit tests swap them for a recording fake: on the build machine the
//! host API is absent.

/// The host's id for a call that completes later (WIT `call-id`).
pub(crate) type CallId = u64;

#[cfg(not(test))]
mod host {
    use super::CallId;
    use crate::bindings::miniapp::host::pending;
    use crate::{Error, Result};

    pub(crate) fn set_timeout(ms: u32) -> Result<CallId> {
        pending::set_timeout(ms).map_err(Error::from)
    }

    pub(crate) fn set_interval(ms: u32) -> Result<CallId> {
        pending::set_interval(ms).map_err(Error::from)
    }

    pub(crate) fn cancel(id: CallId) {
        pending::cancel(id);
    }

    pub(crate) fn warn(message: &str) {
        crate::log::warn(message);
    }
}

#[cfg(not(test))]
pub(crate) use host::{cancel, set_interval, set_timeout, warn};

#[cfg(test)]
pub(crate) use fake::{cancel, set_interval, set_timeout, warn};

/// A host that records what the SDK asked of it, one per test thread.
#[cfg(test)]
pub(crate) mod fake {
    use std::cell::RefCell;

    use super::CallId;
    use crate::{Error, Result};

    /// What the fake host saw, and what it answers.
    #[derive(Default)]
    pub(crate) struct Host {
        /// The last id given (ids start at 1 and are never reused).
        pub last_id: CallId,
        /// Timers set, as (id, ms, repeats).
        pub timers: Vec<(CallId, u32, bool)>,
        /// Ids cancelled, in order.
        pub cancelled: Vec<CallId>,
        /// Warnings logged, in order.
        pub warnings: Vec<String>,
        /// Timers the fake sets in all before it answers `quota-exceeded`
        /// (`None`: no limit).
        pub timers_allowed: Option<usize>,
    }

    thread_local! {
        static HOST: RefCell<Host> = RefCell::new(Host::default());
    }

    /// Read or change the fake host.
    pub(crate) fn host<R>(f: impl FnOnce(&mut Host) -> R) -> R {
        HOST.with(|h| f(&mut h.borrow_mut()))
    }

    fn set(ms: u32, repeats: bool) -> Result<CallId> {
        host(|h| {
            if h.timers_allowed
                .is_some_and(|limit| h.timers.len() >= limit)
            {
                return Err(Error::QuotaExceeded(
                    "timers: the fake allows no more".into(),
                ));
            }
            h.last_id += 1;
            h.timers.push((h.last_id, ms, repeats));
            Ok(h.last_id)
        })
    }

    pub(crate) fn set_timeout(ms: u32) -> Result<CallId> {
        set(ms, false)
    }

    pub(crate) fn set_interval(ms: u32) -> Result<CallId> {
        set(ms, true)
    }

    pub(crate) fn cancel(id: CallId) {
        // A thread that ends drops its tasks after its fake host.
        let _ = HOST.try_with(|h| h.borrow_mut().cancelled.push(id));
    }

    pub(crate) fn warn(message: &str) {
        host(|h| h.warnings.push(message.to_owned()));
    }
}
