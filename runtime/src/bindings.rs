//! Host bindings generated from `wit/miniapp.wit`, the one contract between
//! host and guest. The generated items are documented in the WIT file.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "miniapp-core",
    imports: {
        // Calls that wait on the network or on a host-side provider (a
        // consent prompt, a payment sheet) are async; the rest are plain
        // synchronous calls that never block.
        "miniapp:host/http.fetch": async | trappable,
        "miniapp:host/permission.authorize": async | trappable,
        "miniapp:host/identity.login": async | trappable,
        "miniapp:host/identity.get-profile": async | trappable,
        "miniapp:host/location.get-location": async | trappable,
        "miniapp:host/payment.request-payment": async | trappable,
        // Writes wait for the store's write lock (and, with a database, a
        // round trip): run on the blocking pool, off the async workers.
        "miniapp:host/storage.set": async | trappable,
        "miniapp:host/storage.remove": async | trappable,
        "miniapp:host/storage.clear": async | trappable,
        // Reads the store's fuel.
        "miniapp:host/quota.remaining": store | trappable,
        default: trappable,
    },
    exports: { default: async },
    trappable_error_type: {
        "miniapp:host/types.error" => crate::capability::CallError,
    },
});

pub use exports::miniapp::host::lifecycle;

/// The core world's guest: what the host requires of every component (the
/// page hooks are optional, see `instance::pages`).
pub type Miniapp = MiniappCore;
/// [`Miniapp`], pre-instantiated.
pub type MiniappPre<T> = MiniappCorePre<T>;
pub use miniapp::host::*;
