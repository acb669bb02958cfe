//! # miniapp-protocol
//!
//! The session protocol (`docs/protocol.md`) as the simulator (`miniapp
//! dev`), the server (`miniapp serve`) and the load driver (`miniapp load`)
//! all speak it:
//!
//! - [`frames`]: the frames the host sends (a `page`, the `ops` that patch
//!   it, `log`, `result`, `error`), built from an instance's rendered view;
//! - [`client`]: the frames a client sends (`event`, `answer`, `refresh`)
//!   and how it reads the host's;
//! - [`prompts`]: the host UI a client answers (consent, login, location,
//!   payment), as the runtime's providers.
//!
//! And the transport under it, shared by both servers so that neither
//! depends on the other:
//!
//! - [`listen`]: the accept loop, with a header timeout, connection caps
//!   and a reserve for health probes;
//! - [`outbox`]: a socket's frames out, bounded in bytes (a client that
//!   stops reading is dropped).

pub mod client;
pub mod frames;
pub mod listen;
pub mod outbox;
pub mod prompts;

/// The version of the session protocol, as the `hello` frame gives it.
pub const PROTOCOL_VERSION: u32 = 1;
