//! Hostile: uses storage and location on `index:attack` although the
//! operator granted nothing and the user denies consent.
//!
//! The manifest declares `storage` and `location` (with the `user-location`
//! scope), so the app loads; a correct host still refuses both calls with
//! `permission-denied` because the operator's policy does not grant them and
//! the consent prompt is answered "deny".

use miniapp_sdk::{App, Error, Event, Launch, Result, json, location, storage, view};

const ATTACK: &str = "no-grant";

#[derive(Default)]
struct NoGrant;

impl App for NoGrant {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        view::set_data(json!({ "attack": ATTACK, "ready": true }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        if (event.page.as_str(), event.handler.as_str()) != ("index", "attack") {
            return Err(Error::app("unknown handler"));
        }
        let stored = storage::set("k", &1).err();
        let located = location::get().err();
        let refused = stored.is_some() && located.is_some();
        view::set_data(json!({
            "attack": ATTACK,
            "outcome": if refused { "refused" } else { "succeeded" },
            "storage_error_kind": stored.as_ref().map(Error::kind),
            "storage_error": stored.as_ref().map(Error::to_string),
            "location_error_kind": located.as_ref().map(Error::kind),
            "location_error": located.as_ref().map(Error::to_string),
        }))
    }
}

miniapp_sdk::export_app!(NoGrant);
