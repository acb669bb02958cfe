//! Invite: copy your invite code to the clipboard, paste a friend's from
//! it. Reading the clipboard needs a tap (the host refuses it otherwise);
//! a refusal is shown on the page, as `error` and `error_kind`.

use miniapp_sdk::{App, Error, Event, Launch, Result, Value, clipboard, json, view};
use serde::Deserialize;

/// What `copy` puts on the clipboard instead of the code, if its detail
/// says (`{"text": ...}`).
#[derive(Deserialize, Default)]
struct Copy {
    text: Option<String>,
}

#[derive(Default)]
struct Invite;

/// The user's own code.
const CODE: &str = "MINI-2048";

/// Show the outcome of a clipboard call: `fields` (and no refusal) if it
/// worked, the refusal if not.
fn show(outcome: Result<Value>) -> Result<()> {
    match outcome {
        Ok(mut fields) => {
            fields["error"] = Value::Null;
            fields["error_kind"] = Value::Null;
            view::set_data(fields)
        }
        Err(e) => view::set_data(json!({ "error": e.to_string(), "error_kind": e.kind() })),
    }
}

impl App for Invite {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "code": CODE, "friend": null, "error": null, "error_kind": null }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "copy") => {
                let text = match event.detail_as::<Copy>() {
                    Ok(Copy { text: Some(text) }) => text,
                    _ => CODE.to_string(),
                };
                show(clipboard::set(&text).map(|()| json!({ "copied": text.len() })))
            }
            ("index", "paste") => show(clipboard::get().map(|friend| json!({ "friend": friend }))),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Invite);
