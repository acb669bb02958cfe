//! The client's side of a session (`docs/protocol.md`, "Client to host"):
//! the frames it sends, and what it reads in the host's. `miniapp load`
//! drives `miniapp serve` with these; the simulator's page is the same
//! protocol in JavaScript (`dev/static/sim.js`).

use serde_json::{Value, json};

/// An `event` on the element `selector` names, as `miniapp serve` takes it:
/// `id` is answered by a `result`, `cid` names the event for retries.
pub fn event_at(id: u64, cid: &str, selector: &str, kind: &str, detail: &Value) -> Value {
    json!({
        "type": "event", "id": id, "cid": cid,
        "selector": selector, "kind": kind, "detail": detail,
    })
}

/// The user's answer to prompt `prompt`.
pub fn answer(prompt: u64, allow: bool) -> Value {
    json!({ "type": "answer", "prompt": prompt, "allow": allow })
}

/// Ask for the whole state again (a `page` first).
pub fn refresh() -> Value {
    json!({ "type": "refresh" })
}

/// A host frame as a client reads it: the kinds a client acts on, the rest
/// by their `type`.
#[derive(Debug, PartialEq)]
pub enum HostFrame<'a> {
    /// A full paint of the top page.
    Page {
        /// The top page's route (`None`: the app is not running).
        route: Option<&'a str>,
        /// The page's top-level nodes.
        nodes: &'a Value,
    },
    /// The host waits for the user's [`answer`] to prompt `id`.
    Prompt {
        /// The prompt's id.
        id: u64,
        /// `consent`, `payment`, `login` or `location`.
        kind: &'a str,
    },
    /// The answer to the client frame with an `id`.
    Result(Outcome<'a>),
    /// A client frame the host could not take (one without an `id`).
    Error {
        /// Why.
        message: &'a str,
    },
    /// Any other frame (`ops`, `data`, `log`, ...), by its `type`.
    Other(&'a str),
    /// Not a protocol frame: no `type`, or a `page`, `prompt` or `result`
    /// without the fields that make it one.
    Unreadable,
}

/// What a `result` frame says.
#[derive(Debug, PartialEq)]
pub struct Outcome<'a> {
    /// The client frame's `id`.
    pub id: u64,
    /// Whether it was done.
    pub ok: bool,
    /// The error's `kind` (`miniapp serve` names one; the simulator's
    /// errors are a message alone).
    pub kind: Option<&'a str>,
    /// The error's message (empty when ok).
    pub message: &'a str,
    /// Host calls of an event the server refused for lack of a grant.
    pub denied: u64,
    /// Host calls of an event the server refused by a quota.
    pub quota: u64,
}

impl<'a> HostFrame<'a> {
    /// Read `frame`.
    pub fn read(frame: &'a Value) -> HostFrame<'a> {
        let Some(kind) = frame["type"].as_str() else {
            return HostFrame::Unreadable;
        };
        let read = match kind {
            "page" => Some(HostFrame::Page {
                route: frame["route"].as_str(),
                nodes: &frame["nodes"],
            })
            .filter(|_| frame["nodes"].is_array()),
            "prompt" => frame["id"].as_u64().map(|id| HostFrame::Prompt {
                id,
                kind: frame["kind"].as_str().unwrap_or(""),
            }),
            "result" => outcome(frame).map(HostFrame::Result),
            "error" => Some(HostFrame::Error {
                message: frame["message"].as_str().unwrap_or(""),
            }),
            other => Some(HostFrame::Other(other)),
        };
        read.unwrap_or(HostFrame::Unreadable)
    }
}

fn outcome(frame: &Value) -> Option<Outcome<'_>> {
    let error = &frame["error"];
    let refused = |kind: &str| frame["refused"][kind].as_u64().unwrap_or(0);
    Some(Outcome {
        id: frame["id"].as_u64()?,
        ok: frame["ok"].as_bool()?,
        kind: error["kind"].as_str(),
        message: (error["message"].as_str()).or(error.as_str()).unwrap_or(""),
        denied: refused("denied"),
        quota: refused("quota"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{error_frame, result_frame};

    #[test]
    fn the_frames_a_client_sends() {
        let detail = json!({ "value": "milk" });
        assert_eq!(
            event_at(3, "load-3", "#add", "tap", &detail),
            json!({ "type": "event", "id": 3, "cid": "load-3", "selector": "#add",
                "kind": "tap", "detail": { "value": "milk" } })
        );
        assert_eq!(
            answer(9, true),
            json!({ "type": "answer", "prompt": 9, "allow": true })
        );
        assert_eq!(refresh(), json!({ "type": "refresh" }));
    }

    #[test]
    fn a_result_reads_as_either_server_words_its_error() {
        let served = json!({ "type": "result", "id": 4, "ok": false,
            "error": { "kind": "busy", "message": "later" }, "refused": { "quota": 2 } });
        let Outcome {
            id,
            ok,
            kind,
            message,
            denied,
            quota,
        } = match HostFrame::read(&served) {
            HostFrame::Result(outcome) => outcome,
            other => panic!("{other:?}"),
        };
        assert_eq!((id, ok, kind, message), (4, false, Some("busy"), "later"));
        assert_eq!((denied, quota), (0, 2));
        let simulated = result_frame(5, Some("no prompt 1 is waiting"));
        let HostFrame::Result(outcome) = HostFrame::read(&simulated) else {
            panic!("{simulated}");
        };
        assert_eq!(
            (outcome.kind, outcome.message),
            (None, "no prompt 1 is waiting")
        );
        let done = result_frame(6, None::<String>);
        let HostFrame::Result(outcome) = HostFrame::read(&done) else {
            panic!("{done}");
        };
        assert!(outcome.ok && outcome.message.is_empty());
    }

    #[test]
    fn pages_prompts_and_errors_read_by_their_fields() {
        let page =
            json!({ "type": "page", "route": "pages/index", "nodes": [{ "id": 1, "text": "x" }] });
        assert_eq!(
            HostFrame::read(&page),
            HostFrame::Page {
                route: Some("pages/index"),
                nodes: &page["nodes"]
            }
        );
        let prompt = json!({ "type": "prompt", "id": 2, "kind": "payment" });
        assert_eq!(
            HostFrame::read(&prompt),
            HostFrame::Prompt {
                id: 2,
                kind: "payment"
            }
        );
        let error = error_frame("busy");
        assert_eq!(
            HostFrame::read(&error),
            HostFrame::Error { message: "busy" }
        );
        let data = json!({ "type": "data", "route": "pages/index", "data": {} });
        assert_eq!(HostFrame::read(&data), HostFrame::Other("data"));
    }

    #[test]
    fn a_frame_without_its_fields_is_unreadable() {
        for frame in [
            json!({ "route": "pages/index" }),
            json!({ "type": "page", "route": null }),
            json!({ "type": "prompt", "kind": "consent" }),
            json!({ "type": "result", "ok": true }),
            json!({ "type": "result", "id": 1 }),
            Value::Null,
        ] {
            assert_eq!(HostFrame::read(&frame), HostFrame::Unreadable, "{frame}");
        }
    }
}
