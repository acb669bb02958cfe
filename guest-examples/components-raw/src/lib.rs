//! Custom components through the raw WIT (wit-bindgen directly, no SDK),
//! as the typed SDK's macros will generate them: the `miniapp:meta`
//! section (`meta.json`), the component lifetimes and the handlers of the
//! page and its components.
//!
//! Page `index` uses `<counter>` (a `value` property it observes into its
//! own `observed`, its own `clicks`, a tap handler `increment` setting
//! them and triggering `change` with `{"value": clicks}`, bubbling and
//! composed; `later`: a 0 ms timer whose completion's plain
//! `view.set-data` sets the counter's `late`), a `<card>` with a default and a named slot and a nested
//! `<badge>`, `<list-item>`s in a keyed `wx:for`, and a `<timer-box>`
//! behind `wx:if="{{boxed}}"` whose `start` handler sets a 600 s timeout.
//!
//! What the logic saw is kept in the page's data, for tests to read:
//! `notices` (each notice as `kind:id`, `created:ID:DEFINITION:PARENT`,
//! `properties:ID:NAME:VALUE:OLD`, `page-lifetime:ID:KIND`), `boxTimer`
//! (the timeout's id) and `completions` (`ID:OUTCOME`). Page handlers:
//! `bump` (count + 1), `reverse` (the list's order), `drop` (removes the
//! box), `onChange` (a counter's `change`: `changed` = its detail's value),
//! `flood` (from then on every round of notices adds 100 list items: the
//! host's limits must stop it), `pick` (`picked`: what `select-component`
//! finds from the page and from the card), `storm` (`trigger-event` until
//! refused: `stormed`, `stormRefusal`), `bloat` (the counter's data past
//! `page_data_bytes`: `bloatRefusal`), `overflow` (2,100 list items: more
//! instances than a page may draw), `deep` (a `<tree-node>` drawing
//! itself 40 deep).
//!
//! Page `plain` (no components) takes its handlers through `handlers` too:
//! `say` (`said`: the word of its dataset and the target's id), `push`
//! (opens another `plain`), `under` (sets `touched` on the page under it by
//! serial, then records in `refusals` what `select-component` answers for
//! that page, which is not shown, and for this one, and what a stale page,
//! an unknown component instance and a trigger from one are refused with).
//!
//! Page `model`: `<stepper model:value="{{qty}}">` (a stepper's `up` sets
//! its own `value`, which the host writes back to the page's `qty`), a
//! `<stepper-box model:amount="{{boxQty}}">` whose own template binds a
//! stepper with `model:value="{{amount}}"` (written back twice: to the
//! box's `amount`, then the page's `boxQty`), a stepper bound without
//! `model:` (`plainQty` stays) and `setQty` (the page sets `qty` to 10);
//! `query` runs a selector query in the scope its button names (the page,
//! the box, a stepper: `queried`, or `queryRefusal`).

mod bindings {
    wit_bindgen::generate!({ world: "miniapp-components", path: "../../wit" });
}

mod logic;

use logic::Components;

// SAFETY: a plain byte array the linker keeps as the custom section the
// host reads the app's meta from; nothing in the guest reads or writes it.
#[used]
#[unsafe(link_section = "miniapp:meta")]
static META: [u8; include_bytes!("../meta.json").len()] = *include_bytes!("../meta.json");

bindings::export!(Components with_types_in bindings);
