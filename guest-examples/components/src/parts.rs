//! The components.

use miniapp_sdk::component::{Component, Shared};
use miniapp_sdk::{EventOptions, Instance, PageData, Properties, Result, Tap, Value, timer};
use serde::{Deserialize, Serialize};

use crate::{Clicks, Poke, journal, relations};

/// Journal lifetime `kind` of `this`: `created:ID:PATH`, `attached:ID`, ...
fn note<C: Component>(kind: &str, this: &Instance<C>) -> Result<()> {
    if kind == "created" {
        return journal(format!("created:{}:{}", this.id(), C::PATH));
    }
    journal(format!("{kind}:{}", this.id()))
}

#[derive(Deserialize, Properties)]
pub struct CounterProps {
    /// The page gives 1 at first: its default, so no observer then.
    #[property(default = 1)]
    value: u32,
}

#[derive(Default, Serialize, PageData)]
pub struct CounterData {
    clicks: u32,
    twice: u32,
    observed: String,
    late: String,
    measured: String,
}

/// A counter: its property `value`, its own `clicks`.
#[derive(Default)]
pub struct Counter {
    clicks: u32,
}

impl Counter {
    /// Back to no clicks (the page calls it through `component::with`),
    /// telling the page as `+` does.
    pub fn reset(&mut self, this: &Instance<Self>) -> Result<()> {
        self.clicks = 0;
        this.set(CounterData::clicks(), self.clicks)?;
        let options = EventOptions::default();
        this.trigger_event("change", &Clicks { value: 0 }, options)
    }
}

#[miniapp_sdk::component("components/counter/counter", properties = CounterProps, data = CounterData)]
impl Counter {
    fn created(&mut self, this: &Instance<Self>) -> Result<()> {
        note("created", this)
    }

    /// WeChat's property observer: the new value and the old one.
    #[observer("value")]
    fn value_changed(&mut self, this: &Instance<Self>, old: &Value) -> Result<()> {
        let seen = format!("{old} -> {}", this.properties().value);
        journal(format!(
            "value:{}:{}:{old}",
            this.id(),
            this.properties().value
        ))?;
        this.set(CounterData::observed(), seen)
    }

    /// A data observer on a path of its own data.
    #[observer("clicks")]
    fn clicks_changed(&mut self, this: &Instance<Self>) -> Result<()> {
        this.set(CounterData::twice(), self.clicks * 2)
    }

    #[handler]
    fn increment(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        self.clicks += 1;
        this.set(CounterData::clicks(), self.clicks)?;
        let options = EventOptions {
            bubbles: true,
            composed: true,
            ..EventOptions::default()
        };
        this.trigger_event("change", &Clicks { value: self.clicks }, options)
    }

    /// `this.createSelectorQuery()`: its own `#inc` is found, the page's
    /// `#bump` is not (a query asks one template's nodes); the answer
    /// goes to its `measured` (`inc:1,bump:0`).
    #[handler]
    fn measure(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        let (id, query) = (this.id(), this.create_selector_query());
        miniapp_sdk::task::spawn(async move {
            let nodes = query
                .select("#inc")
                .bounding_client_rect()
                .select("#bump")
                .bounding_client_rect()
                .exec()
                .await?;
            let seen = format!("inc:{},bump:{}", nodes[0].len(), nodes[1].len());
            miniapp_sdk::component::with(id, |_: &mut Counter, this| {
                this.set(CounterData::measured(), seen)
            })?
        });
        Ok(())
    }

    /// A 0 ms timer whose callback sets the counter's `late`.
    #[handler]
    fn later(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        let id = this.id();
        timer::set_timeout(0, move || {
            miniapp_sdk::component::with(id, |_: &mut Counter, this| {
                this.set(CounterData::late(), "done")
            })?
        })?;
        Ok(())
    }
}

#[derive(Deserialize, Properties)]
pub struct TitleProps {
    title: String,
}

#[derive(Default, Serialize, PageData)]
pub struct CardData {
    pokes: u32,
}

/// A card with slots; its badge's `poke` passes through it.
#[derive(Default)]
pub struct Card {
    pokes: u32,
}

#[miniapp_sdk::component("components/card/card", properties = TitleProps, data = CardData, multiple_slots)]
impl Card {
    fn created(&mut self, this: &Instance<Self>) -> Result<()> {
        note("created", this)
    }

    #[handler("onPoke")]
    fn on_poke(&mut self, this: &Instance<Self>, _poke: miniapp_sdk::Detail<Poke>) -> Result<()> {
        self.pokes += 1;
        journal(format!("poke:{}:{}", this.id(), this.properties().title))?;
        this.set(CardData::pokes(), self.pokes)
    }
}

#[derive(Deserialize, Properties)]
pub struct LabelProps {
    #[property(default = "new")]
    label: String,
}

/// A badge: tapped, it triggers `poke` (bubbling, composed) with its label.
#[derive(Default)]
pub struct Badge;

#[miniapp_sdk::component("components/badge/badge", properties = LabelProps)]
impl Badge {
    #[handler]
    fn poke(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        let poke = Poke {
            label: this.properties().label.clone(),
        };
        let options = EventOptions {
            bubbles: true,
            composed: true,
            capture_phase: false,
        };
        this.trigger_event("poke", &poke, options)
    }
}

#[derive(Default, Serialize, PageData)]
pub struct ItemData {
    /// What its label's observer saw: `OLD -> NEW`.
    was: String,
}

/// An item of a keyed list.
#[derive(Default)]
pub struct ListItem;

#[miniapp_sdk::component("components/list-item/list-item", properties = LabelProps, data = ItemData)]
impl ListItem {
    /// Called for the first value too: the page's label is not the
    /// default `new`.
    #[observer("label")]
    fn label_seen(&mut self, this: &Instance<Self>, old: &Value) -> Result<()> {
        let seen = format!("{old} -> {}", this.properties().label);
        this.set(ItemData::was(), seen)
    }

    fn created(&mut self, this: &Instance<Self>) -> Result<()> {
        note("created", this)
    }

    fn attached(&mut self, this: &Instance<Self>) -> Result<()> {
        note("attached", this)
    }

    fn ready(&mut self, this: &Instance<Self>) -> Result<()> {
        note("ready", this)
    }

    fn moved(&mut self, this: &Instance<Self>) -> Result<()> {
        note("moved", this)
    }
}

/// A box with a long timer, listening to its page's `hide`.
#[derive(Default)]
pub struct TimerBox;

#[miniapp_sdk::component("components/timer-box/timer-box")]
impl TimerBox {
    fn created(&mut self, this: &Instance<Self>) -> Result<()> {
        note("created", this)
    }

    fn detached(&mut self, this: &Instance<Self>) -> Result<()> {
        note("detached", this)
    }

    fn on_page_hide(&mut self, this: &Instance<Self>) -> Result<()> {
        journal(format!("hide:{}", this.id()))
    }

    #[handler]
    fn start(&mut self, _this: &Instance<Self>, _tap: Tap) -> Result<()> {
        timer::set_timeout(600_000, || Ok(()))?;
        Ok(())
    }

    /// Asks its page (`ask`), whose handler drops the box and starts page work.
    #[handler]
    fn ask(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        this.trigger_event("ask", &(), EventOptions::default())
    }
}

/// A list whose items are linked to it (WeChat's `relations`), given
/// through its slot by the page.
#[derive(Default)]
pub struct RelList;

#[miniapp_sdk::component(
    "components/rel-list/rel-list",
    relations = [("../rel-item/rel-item", child), ("../rel-mark/rel-mark", descendant)]
)]
impl RelList {
    fn linked(&mut self, this: &Instance<Self>, _relation: &str, other: u32) -> Result<()> {
        relations(format!("linked:{}:{other}", this.id()))
    }

    fn link_changed(&mut self, this: &Instance<Self>, _relation: &str, other: u32) -> Result<()> {
        relations(format!("link-changed:{}:{other}", this.id()))
    }

    fn unlinked(&mut self, this: &Instance<Self>, _relation: &str, other: u32) -> Result<()> {
        relations(format!("unlinked:{}:{other}", this.id()))
    }
}

#[derive(Deserialize, Properties)]
pub struct NameProps {
    name: String,
}

/// An item of a `rel-list`, linked to it.
#[derive(Default)]
pub struct RelItem;

#[miniapp_sdk::component("components/rel-item/rel-item", properties = NameProps, relations = [("../rel-list/rel-list", parent)])]
impl RelItem {
    fn linked(&mut self, this: &Instance<Self>, _relation: &str, other: u32) -> Result<()> {
        relations(format!("linked:{}:{other}", this.id()))
    }

    fn unlinked(&mut self, this: &Instance<Self>, _relation: &str, other: u32) -> Result<()> {
        relations(format!("unlinked:{}:{other}", this.id()))
    }
}

/// A mark inside each `rel-item`'s own template: a descendant of the
/// `rel-list` around the item.
#[derive(Default)]
pub struct RelMark;

#[miniapp_sdk::component("components/rel-mark/rel-mark", relations = [("/components/rel-list/rel-list", ancestor)])]
impl RelMark {
    fn linked(&mut self, this: &Instance<Self>, _relation: &str, other: u32) -> Result<()> {
        relations(format!("linked:{}:{other}", this.id()))
    }

    fn unlinked(&mut self, this: &Instance<Self>, _relation: &str, other: u32) -> Result<()> {
        relations(format!("unlinked:{}:{other}", this.id()))
    }
}

#[derive(Deserialize, Properties)]
pub struct PickProps {
    #[property(default = "plain")]
    tag: String,
    /// Declared by the chip too: the chip's own declaration wins.
    #[property(default = "behavior")]
    shade: String,
}

#[derive(Default, Serialize)]
pub struct PickData {
    picks: u32,
    picked: String,
    order: String,
}

/// A behavior (WeChat's `Behavior({...})`): a `tag` property and its
/// observer, its own data, a `pick` handler and an `attached` that runs
/// before the component's.
#[derive(Default)]
pub struct Pickable {
    picks: u32,
}

#[miniapp_sdk::behavior(properties = PickProps, data = PickData)]
impl Pickable {
    fn attached(&mut self, this: &Shared<'_>) -> Result<()> {
        this.set_data(miniapp_sdk::json!({"order": "behavior"}))
    }

    /// The behavior's observer of its own property (its first value too).
    #[observer("tag")]
    fn tag_seen(&mut self, this: &Shared<'_>, old: &Value) -> Result<()> {
        let props: PickProps = this.properties()?;
        let tagged = format!("{old} -> {}", props.tag);
        this.set_data(miniapp_sdk::json!({ "tagged": tagged }))
    }

    #[handler]
    fn pick(&mut self, this: &Shared<'_>, _tap: Tap) -> Result<()> {
        self.picks += 1;
        let props: PickProps = this.properties()?;
        let picked = format!("{}:{}", props.tag, self.picks);
        this.set_data(miniapp_sdk::json!({"picks": self.picks, "picked": picked}))
    }

    /// Declared by the chip too: the chip's own runs.
    #[handler]
    fn clear(&mut self, this: &Shared<'_>, _tap: Tap) -> Result<()> {
        this.set_data(miniapp_sdk::json!({"cleared": "behavior"}))
    }
}

#[derive(Deserialize, Properties)]
pub struct ChipProps {
    label: String,
    /// Also the behavior's (with another default): this one wins.
    #[property(default = "own")]
    shade: String,
}

/// A chip with the `Pickable` behavior mixed in.
#[derive(Default)]
pub struct Chip {
    pick: Pickable,
}

#[miniapp_sdk::component(
    "components/chip/chip",
    properties = ChipProps,
    behaviors = [pick: Pickable],
    relations = [("../pick-group/pick-group", ancestor)]
)]
impl Chip {
    /// After the behavior's: adds itself to the order it wrote.
    fn attached(&mut self, this: &Instance<Self>) -> Result<()> {
        let data = this.data()?;
        let before = data["order"].as_str().unwrap_or_default().to_string();
        this.set_data(miniapp_sdk::json!({"order": format!("{before},component")}))
    }

    /// Also the behavior's handler: this one runs (as WeChat).
    #[handler]
    fn clear(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        let cleared = format!("component:{}", this.properties().shade);
        this.set_data(miniapp_sdk::json!({ "cleared": cleared }))
    }
}

#[derive(Deserialize, Properties)]
pub struct QtyProps {
    name: String,
    #[property(default = 1)]
    value: u32,
}

/// A quantity field with WeChat's built-in `wx://form-field`: a form around
/// it submits its `value` under its `name`.
#[derive(Default)]
pub struct QtyField;

#[miniapp_sdk::component("components/qty-field/qty-field", properties = QtyProps, behaviors = [form_field])]
impl QtyField {
    #[handler]
    fn more(&mut self, this: &Instance<Self>, _tap: Tap) -> Result<()> {
        let value = this.properties().value + 1;
        this.set_data(miniapp_sdk::json!({ "value": value }))
    }
}

/// A group linked to every component with the `Pickable` behavior inside
/// it (WeChat's relation `target`), whatever its path.
#[derive(Default)]
pub struct PickGroup {
    linked: Vec<String>,
}

#[miniapp_sdk::component("components/pick-group/pick-group", relations = [(Pickable, descendant)])]
impl PickGroup {
    fn linked(&mut self, this: &Instance<Self>, relation: &str, _other: u32) -> Result<()> {
        self.linked.push(relation.to_string());
        this.set_data(miniapp_sdk::json!({ "linked": self.linked.join(",") }))
    }
}
