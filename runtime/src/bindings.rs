//! Host bindings generated from `wit/miniapp.wit`, the one contract between
//! host and guest. The generated items are documented in the WIT file.
#![allow(missing_docs)]

/// The host bindings of the WIT at `$path` (the current one here, a frozen
/// one in `capability::v0_1`), with the options of the imports that
/// version added beside 0.1.0's, and interfaces mapped `with` bindings
/// generated elsewhere: every version is bound with the same options.
macro_rules! host_api_bindings {
    ($path:literal, imports { $($added:tt)* }, with { $($with:tt)* }) => {
        wasmtime::component::bindgen!({
            path: $path,
            world: "miniapp-core",
            imports: {
                // Calls that wait on the network or on a host-side provider (a
                // consent prompt, a payment sheet, the clipboard) are async;
                // the rest are plain synchronous calls that never block.
                "miniapp:host/http.fetch": async | trappable,
                "miniapp:host/permission.authorize": async | trappable,
                "miniapp:host/identity.login": async | trappable,
                "miniapp:host/identity.get-profile": async | trappable,
                "miniapp:host/location.get-location": async | trappable,
                "miniapp:host/payment.request-payment": async | trappable,
                $($added)*
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
            // Host calls' results are recorded, and answered on replay
            // (`crate::replay`).
            additional_derives: [serde::Serialize, serde::Deserialize],
            with: { $($with)* },
            trappable_error_type: {
                "miniapp:host/types.error" => crate::bindings::CallError,
            },
        });
    };
}
pub(crate) use host_api_bindings;

host_api_bindings!("../wit", imports {
    // The clipboard provider may be the device's (an embedder's).
    "miniapp:host/clipboard": async | trappable,
    // Consent may be asked before the device's chooser is shown.
    "miniapp:host/device-api.scan-code": async | trappable,
    "miniapp:host/device-api.choose-location": async | trappable,
    "miniapp:host/device-api.open-location": async | trappable,
    "miniapp:host/device-api.save-image-to-photos-album": async | trappable,
    // Read a temp file whole: on the blocking pool, off the async workers.
    "miniapp:host/http.upload-file-start": async | trappable,
    "miniapp:host/http.read-temp-file": async | trappable,
    "miniapp:host/device-api.get-image-info": async | trappable,
}, with {});

pub use exports::miniapp::host::lifecycle;

/// The core world's guest: what the host requires of every component (the
/// page hooks are optional, see `instance::pages`).
#[cfg(feature = "bench-hooks")]
pub type Miniapp = MiniappCore;
/// [`Miniapp`], pre-instantiated.
pub type MiniappPre<T> = MiniappCorePre<T>;
pub use miniapp::host::*;

/// The outcome of a refused or failed host call: either an error value the
/// guest receives (`types.error`), or a trap that ends the instance.
#[derive(Debug)]
pub enum CallError {
    /// Returned to the guest as a `types.error` value.
    Guest(types::Error),
    /// Ends the instance: a host bug or a hard limit.
    Trap(wasmtime::Error),
}

/// The result of a fallible host call.
pub type CallResult<T> = Result<T, CallError>;

impl CallError {
    /// The app lacks a grant.
    pub fn denied(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::PermissionDenied(message.into()))
    }
    /// A quota would be exceeded.
    pub fn quota(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::QuotaExceeded(message.into()))
    }
    /// An argument is malformed.
    pub fn invalid(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::InvalidArgument(message.into()))
    }
    /// The host does not offer this.
    pub fn unsupported(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::Unsupported(message.into()))
    }
    /// The call was allowed but failed.
    pub fn failed(message: impl Into<String>) -> Self {
        CallError::Guest(types::Error::Failed(message.into()))
    }
}

impl CallError {
    /// The message the guest (or the trap) would carry, in words (the
    /// generated `Display` of `types.error` is its `Debug`).
    pub fn message(&self) -> String {
        match self {
            CallError::Guest(
                types::Error::PermissionDenied(message)
                | types::Error::QuotaExceeded(message)
                | types::Error::InvalidArgument(message)
                | types::Error::Unsupported(message)
                | types::Error::Failed(message),
            ) => message.clone(),
            CallError::Trap(e) => e.to_string(),
        }
    }
}

impl From<wasmtime::Error> for CallError {
    fn from(e: wasmtime::Error) -> Self {
        CallError::Trap(e)
    }
}

/// Serde for the WIT's flags types (bindgen derives none on them), as
/// the bits of the flags in WIT order: host call results holding them are
/// recorded (`crate::replay`).
macro_rules! flags_serde {
    ($($ty:ty { $($flag:ident),* })*) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut bits = 0u32;
                for (i, flag) in [$(<$ty>::$flag),*].into_iter().enumerate() {
                    if self.contains(flag) {
                        bits |= 1 << i;
                    }
                }
                serializer.serialize_u32(bits)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let bits = <u32 as serde::Deserialize>::deserialize(deserializer)?;
                let mut flags = <$ty>::empty();
                for (i, flag) in [$(<$ty>::$flag),*].into_iter().enumerate() {
                    if bits & (1 << i) != 0 {
                        flags |= flag;
                    }
                }
                Ok(flags)
            }
        }
    )*};
}

flags_serde! {
    device_api::ImageSources { ALBUM, CAMERA }
    device_api::MediaTypes { IMAGE, VIDEO }
    selector_query::NodeFields { ID, DATASET, RECT, SIZE, SCROLL_OFFSET }
    component::EventOptions { BUBBLES, COMPOSED, CAPTURE_PHASE }
}
