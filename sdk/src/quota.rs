//! The app's own quotas: how much of each budget is used and left.
//!
//! Useful to back off before the host refuses a call (or stops the app):
//! check [`remaining`] before a large write, a burst of requests or a long
//! computation.

use serde::{Deserialize, Serialize};

use crate::bindings::miniapp::host::quota as host;

/// Used and allowed amounts of the app's budgets, as the host counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Linear memory of this instance, in bytes.
    pub memory_used: u64,
    /// Most linear memory this instance may grow to, in bytes.
    pub memory_limit: u64,
    /// Memory the host holds for this instance (page data of every page on
    /// the stack, log lines not yet collected, open requests, HTTP bodies
    /// being received), in bytes.
    pub host_memory_used: u64,
    /// Most memory the host holds for this instance, in bytes: past it,
    /// `set-data`, navigation, logging and HTTP are refused.
    pub host_memory_limit: u64,
    /// CPU fuel left in the current event (or hook); `u64::MAX` where the
    /// host meters no fuel (its CPU limit is then time: see `time_left_ms`).
    pub fuel_left: u64,
    /// Wall-clock time left in the current event (or hook), in milliseconds.
    pub time_left_ms: u64,
    /// Storage bytes used by this app's keys and values.
    pub storage_used: u64,
    /// Storage bytes this app may use.
    pub storage_limit: u64,
    /// Keys this app has stored.
    pub storage_keys: u64,
    /// Most keys this app may store.
    pub storage_keys_limit: u64,
    /// HTTP requests still allowed in the current minute.
    pub http_requests_left: u32,
    /// Log bytes left in the current event (or hook).
    pub log_bytes_left: u64,
    /// Pages on the stack.
    pub page_stack: u32,
    /// Most pages the stack may hold.
    pub page_stack_limit: u32,
    /// Timers set and not yet fired or cleared ([`timer::set_timeout`],
    /// [`timer::set_interval`], [`timer::sleep`]).
    ///
    /// [`timer::set_timeout`]: crate::timer::set_timeout
    /// [`timer::set_interval`]: crate::timer::set_interval
    /// [`timer::sleep`]: crate::timer::sleep
    pub timers: u32,
    /// Most timers this instance may have set at once: past it, setting one
    /// is refused with [`Error::QuotaExceeded`](crate::Error::QuotaExceeded).
    pub timers_limit: u32,
    /// Other host calls started and not yet completed (timers are counted
    /// by `timers`).
    pub pending_calls: u32,
    /// Most such calls this instance may have pending at once.
    pub pending_calls_limit: u32,
    /// WebSockets open ([`socket::connect`](crate::socket::connect)); each
    /// is one of the `pending_calls` too.
    pub sockets: u32,
    /// Most sockets this instance may have open at once.
    pub sockets_limit: u32,
}

/// How much of each budget this app has used, and may still use.
pub fn remaining() -> Budget {
    let b = host::remaining();
    Budget {
        memory_used: b.memory_used,
        memory_limit: b.memory_limit,
        host_memory_used: b.host_memory_used,
        host_memory_limit: b.host_memory_limit,
        fuel_left: b.fuel_left,
        time_left_ms: b.time_left_ms,
        storage_used: b.storage_used,
        storage_limit: b.storage_limit,
        storage_keys: b.storage_keys,
        storage_keys_limit: b.storage_keys_limit,
        http_requests_left: b.http_requests_left,
        log_bytes_left: b.log_bytes_left,
        page_stack: b.page_stack,
        page_stack_limit: b.page_stack_limit,
        timers: b.timers,
        timers_limit: b.timers_limit,
        pending_calls: b.pending_calls,
        pending_calls_limit: b.pending_calls_limit,
        sockets: b.sockets,
        sockets_limit: b.sockets_limit,
    }
}
