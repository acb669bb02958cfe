//! The host API's side of the tape: what `#[recorded]` (runtime-macros)
//! calls around each host call's body. A result is encoded as the guest
//! saw it: its value, the `types.error` it was refused with, or the trap
//! that ended the instance.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::tape::Tape;
use crate::bindings::{CallError, types};
use crate::capability::{CallCtx, View};

/// A host API view that reaches its instance's tape.
pub(crate) trait Taped {
    /// The instance's tape.
    fn tape(&self) -> &Tape;
}

impl<C> Taped for View<'_, C> {
    fn tape(&self) -> &Tape {
        &self.call.tape
    }
}

impl Taped for CallCtx {
    fn tape(&self) -> &Tape {
        &self.tape
    }
}

/// A host call's result, as the tape keeps it.
pub(crate) trait Recordable: Sized {
    /// Append its encoding to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Read it back.
    fn decode(bytes: &[u8]) -> Result<Self, String>;
    /// A trap with `message`, in this result's type.
    fn trap(message: String) -> Self;
}

/// What the guest got, borrowed for encoding.
#[derive(Serialize)]
enum AnswerRef<'a, T> {
    Ok(&'a T),
    Refused(&'a types::Error),
    Trap(String),
}

/// What the guest got, decoded.
#[derive(Deserialize)]
enum Answer<T> {
    Ok(T),
    Refused(types::Error),
    Trap(String),
}

fn encode<T: Serialize>(answer: AnswerRef<'_, T>, out: &mut Vec<u8>) {
    // A WIT value always encodes: an error here is a bug, and only makes
    // the entry empty (a replay then says it cannot read it).
    let _ = bincode::serde::encode_into_std_write(answer, out, bincode::config::standard());
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<Answer<T>, String> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(answer, _)| answer)
        .map_err(|e| format!("a recorded result does not decode: {e}"))
}

impl<T: Serialize + DeserializeOwned> Recordable for Result<T, CallError> {
    fn encode(&self, out: &mut Vec<u8>) {
        let answer = match self {
            Ok(value) => AnswerRef::Ok(value),
            Err(CallError::Guest(error)) => AnswerRef::Refused(error),
            Err(CallError::Trap(trap)) => AnswerRef::Trap(format!("{trap:#}")),
        };
        encode(answer, out);
    }
    fn decode(bytes: &[u8]) -> Result<Self, String> {
        Ok(match decode(bytes)? {
            Answer::Ok(value) => Ok(value),
            Answer::Refused(error) => Err(CallError::Guest(error)),
            Answer::Trap(message) => Err(CallError::Trap(wasmtime::Error::msg(message))),
        })
    }
    fn trap(message: String) -> Self {
        Err(CallError::Trap(wasmtime::Error::msg(message)))
    }
}

impl<T: Serialize + DeserializeOwned> Recordable for wasmtime::Result<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        let answer = match self {
            Ok(value) => AnswerRef::Ok(value),
            Err(trap) => AnswerRef::Trap(format!("{trap:#}")),
        };
        encode(answer, out);
    }
    fn decode(bytes: &[u8]) -> Result<Self, String> {
        match decode(bytes)? {
            Answer::Ok(value) => Ok(Ok(value)),
            Answer::Refused(_) => Err("a recorded refusal where none can be".into()),
            Answer::Trap(message) => Ok(Err(wasmtime::Error::msg(message))),
        }
    }
    fn trap(message: String) -> Self {
        Err(wasmtime::Error::msg(message))
    }
}

/// On replay, host call `name`'s recorded result, its body not run
/// (`None`: run it).
pub(crate) fn answer<R: Recordable>(tape: &Tape, name: &str) -> Option<R> {
    if !tape.is_on() {
        return None;
    }
    Some(match tape.answer(name)? {
        Ok(bytes) => R::decode(&bytes).unwrap_or_else(R::trap),
        Err(diverged) => R::trap(diverged),
    })
}

/// On replay, check output call `name` is the one recorded next (`Some`:
/// the trap that stops a diverged replay; `None`: run its body against
/// the replay's own page).
pub(crate) fn check_output<R: Recordable>(tape: &Tape, name: &str) -> Option<R> {
    if !tape.is_on() {
        return None;
    }
    match tape.answer(name)? {
        Ok(_) => None,
        Err(diverged) => Some(R::trap(diverged)),
    }
}

/// While recording, append host call `name`'s `result`.
pub(crate) fn record<R: Recordable>(tape: &Tape, name: &str, result: &R) {
    if tape.is_on() {
        tape.record(name, |out| result.encode(out));
    }
}

/// While recording, append output call `name` (its result is the
/// replay's own to make).
pub(crate) fn record_output(tape: &Tape, name: &str) {
    if tape.is_on() {
        tape.record(name, |_| {});
    }
}
