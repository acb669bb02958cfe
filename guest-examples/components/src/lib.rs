//! Typed custom components, the typed twin of `components-raw` (its
//! templates, with a badge that can be poked): page `index` uses a
//! `<counter>` (property `value` observed with its old value into its own
//! `observed`, its `clicks` observed by path into `twice`, a `change`
//! event to the page on each `+`, a `later` timer setting its `late`), a
//! `<card>` whose `<badge>` triggers `poke` (bubbling and composed: the
//! card's handler counts it, then the page's shows the label), keyed
//! `<list-item>`s and a `<timer-box>` behind `wx:if` (a 600 s timer,
//! `pageLifetimes.hide`) whose `ask` the page answers by dropping the box
//! and starting a timer of its own (page work: it outlives the box).
//!
//! A `<rel-list>` holds `<rel-item>`s given through its slot, linked by
//! their `relations` (child and parent), and each item's `<rel-mark>` is
//! linked to the list too (descendant and ancestor); what their hooks saw goes to the app's `relations`
//! (`linked:ID:OTHER`, `link-changed:..`, `unlinked:..`), which the
//! page's `relations` handler copies into its `relations` with the list's
//! `relation_nodes` in its `nodes`; `shrink` drops the middle item, `turn`
//! reverses them (the moved ones' links changed).
//!
//! A `<chip>` mixes in the `Pickable` behavior (WeChat's `behaviors`):
//! its property `tag`, its data, its `pick` handler and its `attached`,
//! which runs before the chip's own.
//!
//! What the components saw goes to the app's journal (`created:ID:PATH`
//! of each but the badge, the list items' `attached:ID`, `ready:ID` and
//! `moved:ID`, the counter's `value:ID:NEW:OLD`, the box's `hide:ID` and
//! `detached:ID`, the card's `poke:ID:TITLE`); the page's `journal`
//! handler copies it into the page's `notices` for tests to read.

mod parts;

use miniapp_sdk::{Detail, PageData, Result, Submit, Tap, component, page, set, with_app};
use serde::{Deserialize, Serialize};

use parts::{
    Badge, Card, Chip, Counter, ListItem, PickGroup, QtyField, RelItem, RelList, RelMark, TimerBox,
};

/// The app: the journal of what the components saw.
#[derive(Default)]
struct ComponentsApp {
    journal: Vec<String>,
    relations: Vec<String>,
}

impl miniapp_sdk::App for ComponentsApp {}

/// Append `entry` to what the relations saw.
fn relations(entry: String) -> Result<()> {
    with_app(|app: &mut ComponentsApp| app.relations.push(entry))
}

/// Append `entry` to the app's journal.
fn journal(entry: String) -> Result<()> {
    with_app(|app: &mut ComponentsApp| app.journal.push(entry))
}

#[derive(Clone, Serialize, Deserialize)]
struct Item {
    id: String,
    label: String,
}

#[derive(Default, Serialize, PageData)]
struct IndexData {
    count: u32,
    title: String,
    items: Vec<Item>,
    boxed: bool,
    changed: u32,
    /// Whether the counter's `change` came with the tap's gesture token.
    gestured: bool,
    poked: String,
    picked: Vec<u32>,
    notices: Vec<String>,
    /// Set by the timer the page's `onAsk` starts.
    asked: String,
    /// Why the host refused `forge`'s act-for.
    forged: String,
    entries: Vec<Item>,
    relations: Vec<String>,
    /// The list's `relation_nodes`.
    nodes: Vec<u32>,
    /// Why the list's `relation_nodes` of a relation it lacks was refused.
    unrelated: String,
    /// The form's submitted fields, the `qty-field` component's included.
    submitted: String,
}

/// A counter's `change` detail.
#[derive(Serialize, Deserialize)]
struct Clicks {
    value: u32,
}

/// A badge's `poke` detail.
#[derive(Serialize, Deserialize)]
struct Poke {
    label: String,
}

#[derive(Default)]
struct Index {
    count: u32,
    items: Vec<Item>,
}

impl Index {
    /// The `rel-list`'s entries at first.
    fn entries(&self) -> Vec<Item> {
        ["x", "y", "z"]
            .iter()
            .map(|id| Item {
                id: id.to_string(),
                label: id.to_uppercase(),
            })
            .collect()
    }
}

#[page("index", data = IndexData)]
impl Index {
    fn on_load(&mut self, _query: &page::Query) -> Result<()> {
        self.count = 1;
        self.items = ["a", "b", "c"]
            .iter()
            .map(|id| Item {
                id: id.to_string(),
                label: id.to_uppercase(),
            })
            .collect();
        miniapp_sdk::view::set_data(IndexData {
            count: self.count,
            title: "Hello".into(),
            items: self.items.clone(),
            boxed: true,
            entries: self.entries(),
            ..IndexData::default()
        })
    }

    #[handler]
    fn bump(&mut self, _tap: Tap) -> Result<()> {
        self.count += 1;
        set(IndexData::count(), self.count)
    }

    #[handler]
    fn reverse(&mut self, _tap: Tap) -> Result<()> {
        self.items.reverse();
        set(IndexData::items(), &self.items)
    }

    #[handler]
    fn drop(&mut self, _tap: Tap) -> Result<()> {
        set(IndexData::boxed(), false)
    }

    /// `selectComponent('#counter')` and `selectAllComponents('.item')`.
    #[handler]
    fn pick(&mut self, _tap: Tap) -> Result<()> {
        let counter = component::select("#counter")?;
        let mut picked: Vec<u32> = counter.into_iter().collect();
        picked.extend(component::select_all(".item")?);
        set(IndexData::picked(), picked)
    }

    /// `this.selectComponent('#counter').reset()`.
    #[handler]
    fn reset(&mut self, _tap: Tap) -> Result<()> {
        let id =
            component::select("#counter")?.ok_or_else(|| miniapp_sdk::Error::app("no counter"))?;
        component::with(id, |counter: &mut Counter, this| counter.reset(this))?
    }

    /// Drop the middle entry of the `rel-list`.
    #[handler]
    fn shrink(&mut self, _tap: Tap) -> Result<()> {
        let mut entries = self.entries();
        entries.remove(1);
        set(IndexData::entries(), entries)
    }

    /// Reverse the `rel-list`'s entries (keyed: its items move).
    #[handler]
    fn turn(&mut self, _tap: Tap) -> Result<()> {
        let mut entries = self.entries();
        entries.reverse();
        set(IndexData::entries(), entries)
    }

    /// What the relations saw, and the list's linked items.
    #[handler]
    fn relations(&mut self, _tap: Tap) -> Result<()> {
        let seen = with_app(|app: &mut ComponentsApp| app.relations.clone())?;
        set(IndexData::relations(), seen)?;
        let list =
            component::select("#rel-list")?.ok_or_else(|| miniapp_sdk::Error::app("no list"))?;
        let (nodes, undeclared) = component::with(list, |_: &mut RelList, this| {
            let undeclared = this.relation_nodes("../rel-box/rel-box");
            (this.relation_nodes("../rel-item/rel-item"), undeclared)
        })?;
        let refused = undeclared.err().map(|e| e.to_string()).unwrap_or_default();
        set(IndexData::unrelated(), refused)?;
        set(IndexData::nodes(), nodes?)
    }

    #[handler]
    fn journal(&mut self, _tap: Tap) -> Result<()> {
        let notices = with_app(|app: &mut ComponentsApp| app.journal.clone())?;
        set(IndexData::notices(), notices)
    }

    #[handler("onChange")]
    fn on_change(&mut self, change: Detail<Clicks>) -> Result<()> {
        set(IndexData::gestured(), change.gesture.is_some())?;
        set(IndexData::changed(), change.detail.value)
    }

    /// The box's `ask`: the page drops the box and starts a 0 ms timer of
    /// its own, whose callback sets the page's `asked` (WeChat: a page
    /// method called from a component's `triggerEvent` starts page work).
    #[handler("onAsk")]
    fn on_ask(&mut self, _ask: Detail<miniapp_sdk::Value>) -> Result<()> {
        miniapp_sdk::timer::set_timeout(0, || set(IndexData::asked(), "late"))?;
        set(IndexData::boxed(), false)
    }

    /// A forged `act-for`: the counter was returned by no `trigger-event`
    /// of this callback, so the host refuses it.
    #[handler]
    fn forge(&mut self, _tap: Tap) -> Result<()> {
        use miniapp_sdk::bindings::miniapp::host::component::{Target, act_for};
        let counter =
            component::select("#counter")?.ok_or_else(|| miniapp_sdk::Error::app("no counter"))?;
        let refused = match act_for(Some(Target::Component(counter))) {
            Ok(()) => "accepted".to_string(),
            Err(e) => miniapp_sdk::Error::from(e).to_string(),
        };
        set(IndexData::forged(), refused)
    }

    /// The form's submit: its input's value and its `qty-field`'s (a
    /// custom component with `wx://form-field`).
    #[handler]
    fn sent(&mut self, submit: Submit<miniapp_sdk::Value>) -> Result<()> {
        let fields = &submit.detail.value;
        let submitted = format!(
            "note={} qty={}",
            fields["note"].as_str().unwrap_or("?"),
            fields["qty"]
        );
        set(IndexData::submitted(), submitted)
    }

    #[handler("onPoke")]
    fn on_poke(&mut self, poke: Detail<Poke>) -> Result<()> {
        set(IndexData::poked(), poke.detail.label)
    }
}

miniapp_sdk::export_app!(
    ComponentsApp,
    pages = [Index],
    components = [
        Counter, Card, Badge, ListItem, TimerBox, RelList, RelItem, RelMark, Chip, QtyField,
        PickGroup
    ]
);
