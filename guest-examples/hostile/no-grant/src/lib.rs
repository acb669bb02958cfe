//! Hostile: uses storage and location on `index:attack` although the
//! operator granted nothing and the user denies consent.
//!
//! The manifest declares `storage` and `location` (with the `user-location`
//! scope), so the app loads; a correct host still refuses both calls with
//! `permission-denied` because the operator's policy does not grant them and
//! the consent prompt is answered "deny".

use hostile_fixture::refusals;
use miniapp_sdk::{Event, Result, location, storage, view};

const ATTACK: &str = "no-grant";

fn attack(_event: &Event) -> Result<()> {
    let stored = storage::set("k", &1).err();
    let located = location::get().err();
    view::set_data(refusals(
        ATTACK,
        [("storage", &stored), ("location", &located)],
    ))
}

hostile_fixture::export_attack_fn!(ATTACK, attack);
