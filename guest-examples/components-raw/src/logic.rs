//! The app's exports.

use serde_json::{Value, json};

use crate::bindings::exports::miniapp::host::completions::{Guest as Completions, Outcome};
use crate::bindings::exports::miniapp::host::handlers::{Guest as Handlers, HandlerEvent};
use crate::bindings::exports::miniapp::host::lifecycle::{
    Event, Guest as Lifecycle, LaunchOptions,
};
use crate::bindings::exports::miniapp::host::lifetimes::{Guest as Lifetimes, Notice};
use crate::bindings::exports::miniapp::host::page::Guest as Page;
use crate::bindings::miniapp::host::component::{self, EventOptions, Target};
use crate::bindings::miniapp::host::selector_query::{self, NodeFields, NodeRequest};
use crate::bindings::miniapp::host::types::Error;
use crate::bindings::miniapp::host::{nav, pending, view};

/// The app.
pub struct Components;

fn text(e: Error) -> String {
    format!("{e:?}")
}

/// The serial of the top page.
fn page() -> u64 {
    nav::current_pages().last().map_or(0, |p| p.serial)
}

/// The data of `target`.
fn data(target: Target) -> Result<Value, String> {
    let text = component::get_data(target).map_err(text)?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Set `patch` on `target`.
fn set(target: Target, patch: Value) -> Result<(), String> {
    component::set_data(target, &patch.to_string()).map_err(text)
}

/// Append `entries` to the page's list `key`.
fn append(key: &str, entries: Vec<String>) -> Result<(), String> {
    let page = Target::Page(page());
    let mut list = match data(page)?.get(key) {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    list.extend(entries.into_iter().map(Value::String));
    set(page, json!({ key: list }))
}

/// While the page floods (`flood`), every round of notices adds 100 list
/// items: the host's limits must stop it.
fn flood_more() -> Result<(), String> {
    let page = Target::Page(page());
    let current = data(page)?;
    if current["flooding"] != json!(true) {
        return Ok(());
    }
    let mut items = current["items"].as_array().cloned().unwrap_or_default();
    let start = items.len();
    items.extend((start..start + 100).map(|i| json!({"id": format!("f{i}"), "label": i})));
    set(page, json!({"items": items}))
}

impl Lifecycle for Components {
    fn on_launch(_: LaunchOptions) -> Result<(), String> {
        Ok(())
    }

    fn on_show() -> Result<(), String> {
        Ok(())
    }

    fn on_hide() -> Result<(), String> {
        Ok(())
    }

    fn on_event(event: Event) -> Result<(), String> {
        Err(format!(
            "`{}` reached on-event: an app with components takes handlers through `handlers`",
            event.handler
        ))
    }
}

impl Page for Components {
    fn on_load(route: String, _: Vec<(String, String)>) -> Result<(), String> {
        if route == "plain" {
            return set(Target::Page(page()), json!({"said": "", "refusals": []}));
        }
        if route == "model" {
            return set(
                Target::Page(page()),
                json!({"qty": 1, "boxQty": 5, "plainQty": 7, "notices": []}),
            );
        }
        let items: Vec<Value> = ["a", "b", "c"]
            .iter()
            .map(|id| json!({"id": id, "label": id.to_uppercase()}))
            .collect();
        set(
            Target::Page(page()),
            json!({"count": 1, "title": "Hello", "items": items, "boxed": true,
                   "notices": [], "completions": []}),
        )
    }

    fn on_ready(_: String) -> Result<(), String> {
        Ok(())
    }

    fn on_unload(_: String) -> Result<(), String> {
        Ok(())
    }
}

impl Lifetimes for Components {
    fn on_notices(notices: Vec<Notice>) -> Result<(), String> {
        let mut seen = Vec::new();
        for notice in notices {
            seen.push(match notice {
                Notice::Created(c) => {
                    let parent = c.parent.map_or("page".to_string(), |p| p.to_string());
                    format!("created:{}:{}:{parent}", c.id, c.definition)
                }
                Notice::Attached(id) => format!("attached:{id}"),
                Notice::Ready(id) => format!("ready:{id}"),
                Notice::Moved(id) => format!("moved:{id}"),
                Notice::Detached(id) => format!("detached:{id}"),
                Notice::Properties(change) => {
                    // The counter's observer: what it saw, in its own data.
                    let seen = format!("{} -> {}", change.old, change.value);
                    set(Target::Component(change.id), json!({"observed": seen}))?;
                    format!(
                        "properties:{}:{}:{}:{}",
                        change.id, change.name, change.value, change.old
                    )
                }
                Notice::PageLifetime((id, lifetime, _)) => {
                    format!("page-lifetime:{id}:{lifetime:?}")
                }
                Notice::Linked(r) => format!("linked:{}:{}:{}", r.id, r.relation, r.other),
                Notice::LinkChanged(r) => {
                    format!("link-changed:{}:{}:{}", r.id, r.relation, r.other)
                }
                Notice::Unlinked(r) => format!("unlinked:{}:{}:{}", r.id, r.relation, r.other),
            });
        }
        append("notices", seen)?;
        flood_more()
    }
}

impl Handlers for Components {
    fn on_handler(to: Target, event: HandlerEvent) -> Result<(), String> {
        let page = Target::Page(page());
        match (to, event.handler.as_str()) {
            (Target::Page(_), "bump") => {
                let count = data(page)?["count"].as_u64().unwrap_or(0);
                set(page, json!({"count": count + 1}))
            }
            (Target::Page(_), "reverse") => {
                let mut items = data(page)?["items"].as_array().cloned().unwrap_or_default();
                items.reverse();
                set(page, json!({"items": items}))
            }
            (Target::Page(_), "drop") => set(page, json!({"boxed": false})),
            (Target::Page(_), "flood") => {
                set(page, json!({"flooding": true}))?;
                flood_more()
            }
            (Target::Page(_), "say") => {
                let dataset: Value = serde_json::from_str(&event.current_target.dataset)
                    .map_err(|e| e.to_string())?;
                let said = format!(
                    "{} from #{}",
                    dataset["word"].as_str().unwrap_or("?"),
                    event.target.id
                );
                set(page, json!({"said": said}))
            }
            (Target::Page(_), "under") => {
                // The page under this one, by serial: set-data reaches it
                // too; then stale targets, each refused.
                let pages = nav::current_pages();
                let mut refusals = Vec::new();
                if let [.., under, _] = &pages[..] {
                    set(Target::Page(under.serial), json!({"touched": true}))?;
                    let hidden =
                        component::select_component(Target::Page(under.serial), "#x", false);
                    refusals.push(format!("select under: {}", text(hidden.unwrap_err())));
                }
                let here = component::select_component(page, "#x", true).map_err(text)?;
                refusals.push(format!("select here: {here:?}"));
                for (what, result) in [
                    ("page", component::set_data(Target::Page(9_999), "{}")),
                    (
                        "component",
                        component::set_data(Target::Component(77), "{}"),
                    ),
                ] {
                    refusals.push(format!("{what}: {}", text(result.unwrap_err())));
                }
                let read = component::get_data(Target::Component(77)).unwrap_err();
                refusals.push(format!("get: {}", text(read)));
                let options = EventOptions::BUBBLES;
                let trigger = component::trigger_event(77, "change", "{}", options).unwrap_err();
                refusals.push(format!("trigger: {}", text(trigger)));
                set(page, json!({"refusals": refusals}))
            }
            (Target::Page(_), "push") => nav::navigate_to("plain").map_err(text),
            (Target::Page(_), "overflow") => {
                // More list items than a page may draw instances.
                let items: Vec<Value> = (0..2_100).map(|i| json!({"id": i, "label": i})).collect();
                set(page, json!({"items": items}))
            }
            // A tree of components 40 deep (each draws itself once more).
            (Target::Page(_), "deep") => set(page, json!({"treeDepth": 40})),
            (Target::Page(_), "pick") => {
                let one = |scope, selector: &str, all| {
                    component::select_component(scope, selector, all).map_err(text)
                };
                let counter = one(page, "#counter", false)?;
                let items = one(page, ".item", true)?;
                let card = one(page, "#card", false)?;
                // Scoped as WeChat's: the badge is in the card's template,
                // not the page's.
                let badge_from_page = one(page, "#badge", false)?;
                let badge = match card.first() {
                    Some(card) => one(Target::Component(*card), "#badge", false)?,
                    None => Vec::new(),
                };
                set(
                    page,
                    json!({"picked": {"counter": counter, "items": items, "card": card,
                                            "badgeFromPage": badge_from_page, "badge": badge}}),
                )
            }
            (Target::Page(_), "storm") => {
                // trigger-event until refused.
                let counter = component::select_component(page, "#counter", false).map_err(text)?;
                let id = *counter.first().ok_or("no counter")?;
                let mut sent = 0;
                let refusal = loop {
                    match component::trigger_event(id, "ping", "{}", EventOptions::empty()) {
                        Ok(_) if sent < 10_000 => sent += 1,
                        Ok(_) => break "never refused".to_string(),
                        Err(e) => break text(e),
                    }
                };
                set(page, json!({"stormed": sent, "stormRefusal": refusal}))
            }
            (Target::Page(_), "bloat") => {
                // One instance's data past page_data_bytes.
                let counter = component::select_component(page, "#counter", false).map_err(text)?;
                let id = *counter.first().ok_or("no counter")?;
                let chunk = "x".repeat(512 * 1024);
                let mut refusal = String::from("never refused");
                for i in 0..16 {
                    let patch = json!({ format!("blob{i}"): chunk }).to_string();
                    if let Err(e) = component::set_data(Target::Component(id), &patch) {
                        refusal = text(e);
                        break;
                    }
                }
                set(page, json!({"bloatRefusal": refusal}))
            }
            (Target::Page(_), "onChange") => {
                let detail: Value =
                    serde_json::from_str(&event.detail).map_err(|e| e.to_string())?;
                set(page, json!({"changed": detail["value"]}))
            }
            (Target::Component(id), "increment") => {
                let clicks = data(to)?["clicks"].as_u64().unwrap_or(0) + 1;
                set(to, json!({"clicks": clicks}))?;
                // WeChat's triggerEvent: the listeners come back, and the
                // app calls them at once, in order.
                let detail = json!({"value": clicks}).to_string();
                let options = EventOptions::BUBBLES | EventOptions::COMPOSED;
                let listeners =
                    component::trigger_event(id, "change", &detail, options).map_err(text)?;
                for listener in listeners {
                    let event = HandlerEvent {
                        kind: "change".into(),
                        handler: listener.handler,
                        target: listener.target,
                        current_target: listener.current_target,
                        detail: detail.clone(),
                        gesture: None,
                    };
                    Self::on_handler(listener.to, event)?;
                }
                Ok(())
            }
            (Target::Component(_), "later") => {
                // A 0 ms timer of the counter: its completion's plain
                // `view.set-data` acts on the counter.
                pending::set_timeout(0).map_err(text)?;
                Ok(())
            }
            (Target::Page(_), "setQty") => set(page, json!({"qty": 10})),
            (Target::Page(_), "query") => query(page, &event),
            (Target::Component(_), "up") => {
                // A stepper sets its own `value`: a `model:` binding on its
                // tag writes it back to the caller's data.
                let value = data(to)?["value"].as_f64().unwrap_or(0.0) as i64 + 1;
                set(to, json!({"value": value}))
            }
            (Target::Component(_), "start") => {
                // A timer of the component: it ends when the box detaches.
                let timer = pending::set_timeout(600_000).map_err(text)?;
                set(page, json!({"boxTimer": timer}))
            }
            (to, handler) => Err(format!("no handler `{handler}` on {to:?}")),
        }
    }
}

/// The selectors page `model`'s `query` asks, each `selectAll` of ids.
const QUERIED: [&str; 6] = [
    "stepper",
    "stepper-box",
    "#inner",
    "#amount",
    ".shown",
    "view > text.shown",
];

/// Page `model`'s `query`: a selector query of [`QUERIED`] in the scope
/// the tapped button's `data-scope` names (`page`: `query-start`; `here`:
/// the page by serial; `box` or `stepper`: that instance; `gone`: an
/// instance that is not there; `under`: a page that is not shown), its
/// call id kept as `queryCall`, or its refusal as `queryRefusal`.
fn query(page: Target, event: &HandlerEvent) -> Result<(), String> {
    let dataset: Value =
        serde_json::from_str(&event.current_target.dataset).map_err(|e| e.to_string())?;
    let requests: Vec<NodeRequest> = (QUERIED.iter())
        .map(|selector| NodeRequest {
            selector: selector.to_string(),
            all: true,
            fields: NodeFields::ID,
        })
        .collect();
    let instance = |selector: &str| -> Result<Target, String> {
        let found = component::select_component(page, selector, false).map_err(text)?;
        Ok(Target::Component(*found.first().ok_or("no such instance")?))
    };
    let started = match dataset["scope"].as_str().unwrap_or_default() {
        "page" => selector_query::query_start(&requests),
        "here" => selector_query::query_start_in(page, &requests),
        "box" => selector_query::query_start_in(instance("#box")?, &requests),
        "stepper" => selector_query::query_start_in(instance("#stepper")?, &requests),
        "gone" => selector_query::query_start_in(Target::Component(9_999), &requests),
        _ => selector_query::query_start_in(Target::Page(9_999), &requests),
    };
    match started {
        Ok(call) => set(page, json!({"queryCall": call, "queried": null})),
        Err(e) => set(page, json!({"queryRefusal": text(e)})),
    }
}

impl Completions for Components {
    fn on_complete(id: u64, outcome: Outcome) -> Result<(), String> {
        let page = Target::Page(page());
        if data(page)?["queryCall"].as_u64() == Some(id) {
            // Each request's matches, by id attribute.
            let nodes = selector_query::take_nodes(id).map_err(text)?;
            let ids: Vec<Vec<String>> = (nodes.into_iter())
                .map(|list| list.into_iter().map(|n| n.id.unwrap_or_default()).collect())
                .collect();
            return set(page, json!({"queried": ids}));
        }
        let outcome = match outcome {
            Outcome::Done => "done".to_string(),
            Outcome::Failed(e) => format!("failed {e:?}"),
            Outcome::Cancelled(why) => format!("cancelled {why}"),
        };
        append("completions", vec![format!("{id}:{outcome}")])?;
        if outcome == "done" {
            // The timer of a component (`later`): this acts on it.
            view::set_data(r#"{"late": "done"}"#).map_err(text)?;
        }
        Ok(())
    }
}
