//! Events from the view: the renderer reports which node, what type and its
//! detail; the host finds the handlers bound in its own tree (the renderer
//! is never trusted to name one), following the platforms' rules: only
//! tap, longpress and touch events bubble, and only they have a capture
//! phase before it (root to target: `capture-bind`, `capture-catch`);
//! `catch` stops them, a `mut-bind` handler skips the later `mut-bind`
//! ones on the way, and only a
//! tap, a longpress or a submit is a user gesture. An event for a node not
//! in the current tree, of a type no node on its way binds, or with an
//! oversized detail is refused and never reaches the app. A tap on a
//! `navigator` is the host's to act on.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::ast::{BindingKind, Phase};
use crate::component::InstanceKey;
use crate::region::Regions;
use crate::render::{Host, Tree, VElement, VNode};

pub mod details;

/// Largest event detail, bytes of JSON.
pub const MAX_DETAIL_BYTES: usize = 64 * 1024;

/// An event as the renderer reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewEvent {
    /// The node it happened on.
    pub node: u32,
    /// Its type: `tap`, `input`, `submit`...
    pub kind: String,
    /// Its detail (a tap's position, an input's value, a form's values).
    pub detail: Json,
}

/// One handler call an event resolves to.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    /// The handler bound on `current_target`.
    pub handler: String,
    /// The event type.
    pub kind: String,
    /// The node the event happened on.
    pub target: u32,
    /// The node whose binding this is.
    pub current_target: u32,
    /// `current_target`'s dataset (what the app reads as `dataset`).
    pub dataset: Map<String, Json>,
    /// The event's detail.
    pub detail: Json,
    /// Whether the event is a user gesture.
    pub gesture: bool,
    /// Whose handler it is: the component instance whose template bound it
    /// (`None`: the page's). `target` is as that template sees it: an
    /// event from inside a component it uses is retargeted to the
    /// component's host element, as shadow DOM does.
    pub owner: Option<InstanceKey>,
}

/// What an event resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// Handlers to call, innermost first.
    Handlers(Vec<Dispatch>),
    /// A tap on a `navigator`: the host navigates.
    Navigate {
        /// The page url (`/pages/detail?id=1`), checked safe at render;
        /// empty for `navigateBack`.
        url: String,
        /// `navigate` (default), `redirect` or `navigateBack`.
        open_type: String,
        /// Pages to go back, for `navigateBack` (its `delta`, default 1).
        delta: u32,
    },
    /// A tap on a `<button open-type="share">` (not disabled): the tap's
    /// handlers on the way to the button (its own `bindtap` too) are
    /// called first, then the host asks the page what to share (WeChat's
    /// `onShareAppMessage` with `from: button`), as WeChat runs both.
    Share {
        /// The button as WeChat's `target` gives it: `{id, dataset}`.
        target: Json,
        /// The tap's handlers, called before the share: capture-phase ones
        /// root first, then bubbling ones from the target to the button.
        taps: Vec<Dispatch>,
    },
    /// A tap on a `<button open-type>` whose flow the host runs (not
    /// disabled): the tap's handlers on the way to the button are called
    /// first (its own `bindtap` too), then the host draws and answers the
    /// flow and calls `results` with the flow's detail (WeChat's
    /// `bindgetphonenumber`, `bindchooseavatar`...).
    OpenType {
        /// The tap's handlers, called before the flow (as for a share).
        taps: Vec<Dispatch>,
        /// The flow.
        open_type: OpenType,
        /// The button's own handlers of the flow's result event, its
        /// detail `null` until the host fills it in (none: the app does
        /// not listen, the flow still runs).
        results: Vec<Dispatch>,
        /// A `contact` button's message card (`show-message-card` with a
        /// `send-message-path`): its title and path with query.
        card: Option<(String, String)>,
    },
}

/// A `<button open-type>` flow the host runs and answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenType {
    /// `getPhoneNumber`: a one-time code for the user's phone number.
    GetPhoneNumber,
    /// `chooseAvatar`: an image the user picks, in the app's temp area.
    ChooseAvatar,
    /// `openSetting`: the app's settings page.
    OpenSetting,
    /// `contact`: the app's customer service.
    Contact,
    /// `getUserInfo`: WeChat's anonymous profile.
    GetUserInfo,
    /// `agreePrivacyAuthorization`: the app's privacy guide, agreed to.
    AgreePrivacyAuthorization,
}

impl OpenType {
    /// Every flow the host runs.
    pub const ALL: [OpenType; 6] = [
        OpenType::GetPhoneNumber,
        OpenType::ChooseAvatar,
        OpenType::OpenSetting,
        OpenType::Contact,
        OpenType::GetUserInfo,
        OpenType::AgreePrivacyAuthorization,
    ];

    /// Its `open-type` value, as WeChat spells it.
    pub fn name(self) -> &'static str {
        match self {
            OpenType::GetPhoneNumber => "getPhoneNumber",
            OpenType::ChooseAvatar => "chooseAvatar",
            OpenType::OpenSetting => "openSetting",
            OpenType::Contact => "contact",
            OpenType::GetUserInfo => "getUserInfo",
            OpenType::AgreePrivacyAuthorization => "agreePrivacyAuthorization",
        }
    }

    /// The event its result arrives as (`getphonenumber` for
    /// `bindgetphonenumber`).
    pub fn event(self) -> &'static str {
        match self {
            OpenType::GetPhoneNumber => "getphonenumber",
            OpenType::ChooseAvatar => "chooseavatar",
            OpenType::OpenSetting => "opensetting",
            OpenType::Contact => "contact",
            OpenType::GetUserInfo => "getuserinfo",
            OpenType::AgreePrivacyAuthorization => "agreeprivacyauthorization",
        }
    }

    /// The flow named `name` (an `open-type` value), if the host runs it.
    pub fn named(name: &str) -> Option<OpenType> {
        OpenType::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// The result events of the open-type flows: only the host reports them
/// (a client of the view that sends one is refused), after running the
/// flow a tap on the button started.
pub const OPEN_TYPE_EVENTS: [&str; 6] = [
    "getphonenumber",
    "chooseavatar",
    "opensetting",
    "contact",
    "getuserinfo",
    "agreeprivacyauthorization",
];

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The node is not in the current tree.
    #[error("event `{kind}` for node {node}, which is not on the page")]
    UnknownNode {
        /// The node.
        node: u32,
        /// The event type.
        kind: String,
    },
    /// Nothing on the event's way binds its type.
    #[error("event `{kind}` on node {node} has no handler bound")]
    NotBound {
        /// The node.
        node: u32,
        /// The event type.
        kind: String,
    },
    /// A `model:` bound element's event whose detail has no value of its kind.
    #[error(
        "event `{kind}` of a `model:` bound `<{tag}>` needs a `value` of its kind in its detail \
         (a string, a switch's boolean, a slider's number, a picker's index, array or text)"
    )]
    ModelValue {
        /// The element's tag.
        tag: &'static str,
        /// The event type.
        kind: String,
    },
    /// The detail is too large.
    #[error("event `{kind}` detail of {bytes} bytes is over the limit of {MAX_DETAIL_BYTES} bytes")]
    DetailTooLarge {
        /// The event type.
        kind: String,
        /// Its size.
        bytes: usize,
    },
    /// The detail is not one the component could have produced.
    #[error(transparent)]
    Detail(#[from] details::DetailError),
}

/// Whether events of `kind` bubble to ancestors (and have a capture phase).
pub(crate) fn bubbles(kind: &str) -> bool {
    matches!(kind, "tap" | "longpress") || kind.starts_with("touch")
}

/// Whether events of `kind` are user gestures.
fn is_gesture(kind: &str) -> bool {
    matches!(kind, "tap" | "longpress" | "submit")
}

/// Resolve `event` through `tree`.
pub fn resolve(tree: &Tree, event: &ViewEvent) -> Result<Resolved, EventError> {
    resolve_with_fields(tree, event, &BTreeMap::new())
}

/// Resolve `event` through `tree`, where `fields` holds what the user typed
/// into the page's inputs (by node id) that the tree does not show: a tap
/// on a submit button submits its form with its fields' values. A region
/// picker's change is checked against the table miniapp ships.
pub fn resolve_with_fields(
    tree: &Tree,
    event: &ViewEvent,
    fields: &BTreeMap<u32, String>,
) -> Result<Resolved, EventError> {
    resolve_in(tree, event, fields, &Regions::shipped())
}

/// [`resolve_with_fields`], a region picker's change checked against
/// `regions` (the table in force: the operator's, or the shipped one).
pub fn resolve_in(
    tree: &Tree,
    event: &ViewEvent,
    fields: &BTreeMap<u32, String>,
    regions: &Regions,
) -> Result<Resolved, EventError> {
    resolve_with_form_fields(tree, event, fields, regions, &|_| None)
}

/// The name and value a custom component gives the submit of a form
/// around it, by its host element (WeChat's `wx://form-field`: its data's
/// `name` and `value`; an empty name: it submits nothing); `None` for one
/// that is not a form field, whose own template's fields are the form's
/// instead.
pub type FormField<'a> = &'a dyn Fn(&Host) -> Option<(String, Json)>;

/// [`resolve_in`], a form's submit also taking the custom components among
/// its fields that `form_field` names.
pub fn resolve_with_form_fields(
    tree: &Tree,
    event: &ViewEvent,
    fields: &BTreeMap<u32, String>,
    regions: &Regions,
    form_field: FormField<'_>,
) -> Result<Resolved, EventError> {
    let bytes = serde_json::to_string(&event.detail).map_or(usize::MAX, |s| s.len());
    if bytes > MAX_DETAIL_BYTES {
        return Err(EventError::DetailTooLarge {
            kind: event.kind.clone(),
            bytes,
        });
    }
    let mut path = Vec::new();
    if !path_to(&tree.nodes, event.node, &mut path) {
        return Err(EventError::UnknownNode {
            node: event.node,
            kind: event.kind.clone(),
        });
    }
    if let Some(target) = path.last().filter(|e| e.id == event.node) {
        details::check(target, &event.kind, &event.detail, regions)?;
        let parent = path.len().checked_sub(2).map(|at| path[at]);
        details::check_place(target, parent, &event.kind, &event.detail)?;
    }
    let mut way = Way {
        event,
        path: &path,
        handlers: Vec::new(),
        mut_ran: false,
    };
    // The capture phase, root first; a `capture-catch` stops the event.
    if bubbles(&event.kind) {
        for element in &path {
            if way.run(element, Phase::Capture) {
                return way.finish();
            }
        }
    }
    // The bubble phase, innermost first: the target, then (for bubbling
    // events) its ancestors.
    for (depth, element) in path.iter().rev().enumerate() {
        if depth > 0 && !bubbles(&event.kind) {
            break;
        }
        if event.kind == "tap" && element.tag == "navigator" {
            let open_type = attr(element, "open-type").unwrap_or("navigate");
            let url = attr(element, "url").or((open_type == "navigateBack").then_some(""));
            if let Some(url) = url {
                if way.handlers.is_empty() {
                    return Ok(Resolved::Navigate {
                        url: url.to_string(),
                        open_type: open_type.to_string(),
                        delta: attr(element, "delta")
                            .and_then(|d| d.trim().parse().ok())
                            .unwrap_or(1),
                    });
                }
                break;
            }
        }
        // A share or open-type button takes the tap after its own handlers
        // (WeChat runs both): it goes no further out.
        if event.kind == "tap" && shares(element) {
            way.run(element, Phase::Bubble);
            let id = attr(element, "id").unwrap_or_default();
            let target = serde_json::json!({"id": id, "dataset": dataset_of(element)});
            let taps = way.handlers;
            return Ok(Resolved::Share { target, taps });
        }
        if event.kind == "tap"
            && let Some(open_type) = open_type_of(element)
        {
            way.run(element, Phase::Bubble);
            let result = ViewEvent {
                node: element.id,
                kind: open_type.event().to_string(),
                detail: Json::Null,
            };
            let mut results = Way {
                event: &result,
                path: &path[..path.len() - depth],
                handlers: Vec::new(),
                mut_ran: false,
            };
            results.run(element, Phase::Bubble);
            return Ok(Resolved::OpenType {
                taps: way.handlers,
                open_type,
                results: results.handlers,
                card: message_card(element),
            });
        }
        if way.run(element, Phase::Bubble) {
            break;
        }
    }
    if event.kind == "tap"
        && let Some(submit) = form_submit(&path, event.node, fields, form_field)
    {
        way.handlers.push(submit);
    }
    way.finish()
}

/// An event on its way through the elements: the handlers it reached so
/// far, and whether a `mut-bind` handler already ran.
struct Way<'e> {
    event: &'e ViewEvent,
    /// The elements from the root to the target.
    path: &'e [&'e VElement],
    handlers: Vec<Dispatch>,
    mut_ran: bool,
}

impl Way<'_> {
    /// Add `element`'s handlers bound for `phase`, in the template's
    /// order; a later `mut-bind` is skipped once one ran. True when a
    /// `catch` among them stops the event.
    fn run(&mut self, element: &VElement, phase: Phase) -> bool {
        let mut caught = false;
        let bound =
            (element.events.iter()).filter(|b| b.event == self.event.kind && b.phase == phase);
        for binding in bound {
            match binding.kind {
                BindingKind::Mut if self.mut_ran => continue,
                BindingKind::Mut => self.mut_ran = true,
                BindingKind::Catch => caught = true,
                BindingKind::Bind => {}
                BindingKind::Model => continue,
            }
            self.handlers.push(Dispatch {
                handler: binding.handler.clone(),
                kind: self.event.kind.clone(),
                target: retarget(self.path, element.owner.as_ref(), self.event.node),
                current_target: element.id,
                dataset: dataset_of(element),
                detail: self.event.detail.clone(),
                gesture: is_gesture(&self.event.kind),
                owner: element.owner.clone(),
            });
        }
        caught
    }

    fn finish(self) -> Result<Resolved, EventError> {
        if self.handlers.is_empty() {
            return Err(EventError::NotBound {
                node: self.event.node,
                kind: self.event.kind.clone(),
            });
        }
        Ok(Resolved::Handlers(self.handlers))
    }
}

/// The target of an event on `path` (root to `target`) as the template of
/// `owner` sees it, as shadow DOM retargets: the target itself when its
/// template is `owner`'s or one around it (slotted content stays the
/// caller's), else the host of the component it is inside, and so on out.
fn retarget(path: &[&VElement], owner: Option<&InstanceKey>, target: u32) -> u32 {
    let host = |key: &InstanceKey| {
        path.iter()
            .find(|e| e.host.as_ref().is_some_and(|h| &h.key == key))
            .copied()
    };
    // `owner` and the owners of the templates around it, out to the page.
    let mut around = vec![owner];
    while let Some(Some(key)) = around.last() {
        around.push(host(key).and_then(|h| h.owner.as_ref()));
        if around.len() > path.len() + 1 {
            break;
        }
    }
    let mut candidate = path.last().copied();
    while let Some(element) = candidate {
        if around.contains(&element.owner.as_ref()) {
            return element.id;
        }
        candidate = element.owner.as_ref().and_then(host);
    }
    target
}

/// How a component's `triggerEvent` travels (WeChat's options).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomOptions {
    /// It bubbles up from the host through the caller's template.
    pub bubbles: bool,
    /// It crosses out of the caller's template into the ones around it.
    pub composed: bool,
    /// It has a capture phase, from the root down to the host.
    pub capture_phase: bool,
}

/// The listeners of the custom event `name` that instance `from`
/// triggers, in the order WeChat calls them: capture listeners from the
/// root down (with `capture_phase`), then the host's own listeners, then
/// (with `bubbles`) its ancestors' in the caller's template, and past it
/// only when `composed`. A `catch` stops it; after one `mut-bind` ran,
/// later ones are skipped. Each `target` is the host as its listener's
/// template sees it. Empty when `from` is not on the page.
pub fn resolve_custom(
    tree: &Tree,
    from: &InstanceKey,
    name: &str,
    detail: &Json,
    options: CustomOptions,
) -> Vec<Dispatch> {
    let mut path = Vec::new();
    if !host_path(&tree.nodes, from, &mut path) {
        return Vec::new();
    }
    let host = path[path.len() - 1];
    let event = ViewEvent {
        node: host.id,
        kind: name.to_string(),
        detail: detail.clone(),
    };
    let mut way = Way {
        event: &event,
        path: &path,
        handlers: Vec::new(),
        mut_ran: false,
    };
    // Where it may travel: the host's template, or everywhere if composed.
    let reaches = |e: &&&VElement| options.composed || e.owner == host.owner;
    if options.capture_phase {
        for element in path.iter().filter(reaches) {
            if way.run(element, Phase::Capture) {
                return way.handlers;
            }
        }
    }
    for (depth, element) in path.iter().rev().filter(reaches).enumerate() {
        if depth > 0 && !options.bubbles {
            break;
        }
        if way.run(element, Phase::Bubble) {
            break;
        }
    }
    for dispatch in &mut way.handlers {
        dispatch.gesture = false;
    }
    way.handlers
}

/// The elements from the root to the host element of instance `key`.
fn host_path<'t>(nodes: &'t [VNode], key: &InstanceKey, path: &mut Vec<&'t VElement>) -> bool {
    for node in nodes {
        let VNode::Element(element) = node else {
            continue;
        };
        path.push(element);
        if element.host.as_ref().is_some_and(|h| &h.key == key)
            || host_path(&element.children, key, path)
        {
            return true;
        }
        path.pop();
    }
    false
}

/// What a `model:` binding on the event's target sets before its handlers
/// run: the page data path and the value the user gave (an input's or a
/// textarea's text, a switch's state, a slider's number), as a `setData` patch
/// `{"form.name": "Ada"}`. `None` when the target binds none for this
/// event; an error when the detail's value is not of the element's kind.
pub fn model_patch(tree: &Tree, event: &ViewEvent) -> Result<Option<Json>, EventError> {
    // A custom component's `model:` is written back from its own setData,
    // never from an event the embedder reports.
    let Some(target) = element(tree, event.node).filter(|e| e.host.is_none()) else {
        return Ok(None);
    };
    let Some(binding) =
        (target.events.iter()).find(|b| b.kind == BindingKind::Model && b.event == event.kind)
    else {
        return Ok(None);
    };
    let value = &event.detail["value"];
    let fits = match target.tag {
        "switch" => value.is_boolean(),
        "slider" => value.is_number(),
        // An index, an array (of indices or region names), a time or a date:
        // its detail check says which.
        "picker" => value.is_number() || value.is_string() || value.is_array(),
        _ => value.is_string(),
    };
    if !fits {
        return Err(EventError::ModelValue {
            tag: target.tag,
            kind: event.kind.clone(),
        });
    }
    let mut patch = Map::new();
    patch.insert(binding.handler.clone(), value.clone());
    Ok(Some(Json::Object(patch)))
}

/// The element with node id `id` in `tree`, if there is one.
pub fn element(tree: &Tree, id: u32) -> Option<&VElement> {
    let mut path = Vec::new();
    path_to(&tree.nodes, id, &mut path);
    path.pop().filter(|e| e.id == id)
}

/// A tap on (or inside) a `button form-type="submit"` also submits the
/// nearest form around it, if the form binds `submit`: a user gesture whose
/// detail is `{"value": {NAME: VALUE}}` over the form's named fields.
fn form_submit(
    path: &[&VElement],
    target: u32,
    fields: &BTreeMap<u32, String>,
    form_field: FormField<'_>,
) -> Option<Dispatch> {
    let button = path
        .iter()
        .rposition(|e| e.tag == "button" && attr(e, "form-type") == Some("submit"))?;
    let form = path[..button].iter().rev().find(|e| e.tag == "form")?;
    let binding = form.events.iter().find(|b| b.event == "submit")?;
    let mut values = Map::new();
    form_values(&form.children, fields, form_field, &mut values);
    Some(Dispatch {
        handler: binding.handler.clone(),
        kind: "submit".into(),
        target,
        current_target: form.id,
        dataset: dataset_of(form),
        detail: serde_json::json!({ "value": values }),
        gesture: true,
        owner: form.owner.clone(),
    })
}

/// The values of the named fields among `nodes`, as a form submits them:
/// an input or textarea's text (what the user typed, else its `value`), a
/// switch's state, a checkbox group's checked values, a radio group's
/// checked value, a form-field component's value (its own template's
/// fields are not the form's).
fn form_values(
    nodes: &[VNode],
    fields: &BTreeMap<u32, String>,
    form_field: FormField<'_>,
    out: &mut Map<String, Json>,
) {
    for node in nodes {
        let VNode::Element(element) = node else {
            continue;
        };
        if let Some(host) = &element.host
            && let Some((name, value)) = form_field(host)
        {
            if !name.is_empty() {
                out.insert(name, value);
            }
            continue;
        }
        let Some(name) = attr(element, "name") else {
            form_values(&element.children, fields, form_field, out);
            continue;
        };
        let value = match element.tag {
            "input" | "textarea" => Json::String(
                fields
                    .get(&element.id)
                    .cloned()
                    .or_else(|| attr(element, "value").map(str::to_string))
                    .unwrap_or_default(),
            ),
            "switch" | "checkbox" => Json::Bool(attr(element, "checked").is_some()),
            "checkbox-group" => Json::Array(checked(&element.children, "checkbox")),
            "radio-group" => checked(&element.children, "radio")
                .into_iter()
                .next()
                .unwrap_or(Json::String(String::new())),
            _ => {
                form_values(&element.children, fields, form_field, out);
                continue;
            }
        };
        out.insert(name.to_string(), value);
    }
}

/// The `value`s of the checked `tag` elements among `nodes`.
fn checked(nodes: &[VNode], tag: &str) -> Vec<Json> {
    let mut values = Vec::new();
    for node in nodes {
        if let VNode::Element(element) = node {
            if element.tag == tag && attr(element, "checked").is_some() {
                values.push(Json::String(
                    attr(element, "value").unwrap_or("").to_string(),
                ));
            }
            values.extend(checked(&element.children, tag));
        }
    }
    values
}

/// Whether `element` is a share button a tap shares from (WeChat's
/// `<button open-type="share">`, not disabled).
fn shares(element: &VElement) -> bool {
    element.tag == "button"
        && attr(element, "open-type") == Some("share")
        && attr(element, "disabled").is_none()
}

/// The flow a tap on `element` starts, if it is a `<button open-type>`
/// whose flow the host runs, not disabled.
fn open_type_of(element: &VElement) -> Option<OpenType> {
    if element.tag != "button" || attr(element, "disabled").is_some() {
        return None;
    }
    OpenType::named(attr(element, "open-type")?)
}

/// A `contact` button's message card: `send-message-title` (default
/// empty) and `send-message-path`, when `show-message-card` is set.
fn message_card(element: &VElement) -> Option<(String, String)> {
    attr(element, "show-message-card")?;
    let path = attr(element, "send-message-path")?;
    let title = attr(element, "send-message-title").unwrap_or_default();
    Some((title.to_string(), path.to_string()))
}

/// `element`'s dataset as the app reads it.
fn dataset_of(element: &VElement) -> Map<String, Json> {
    (element.dataset.iter())
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect()
}

fn attr<'e>(element: &'e VElement, name: &str) -> Option<&'e str> {
    element
        .attrs
        .iter()
        .find(|(n, _)| &**n == name)
        .map(|(_, v)| &**v)
}

/// The elements from the top level down to node `id` (the node itself last,
/// if it is an element). A text node's event is its parent element's.
fn path_to<'t>(nodes: &'t [VNode], id: u32, path: &mut Vec<&'t VElement>) -> bool {
    for node in nodes {
        match node {
            VNode::Text(text) if text.id == id => return true,
            VNode::Text(_) => {}
            VNode::Element(element) => {
                path.push(element);
                if element.id == id || path_to(&element.children, id, path) {
                    return true;
                }
                path.pop();
            }
        }
    }
    false
}

#[cfg(test)]
mod open_type_tests;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::testing::rendered;

    const PAGE: &str = r#"<view bindtap="outer" data-level="outer">
  <view catchtap="middle" data-level="middle">
    <button id="inner" bindtap="inner" bind:longpress="held" data-item-id="{{7}}">go</button>
  </view>
  <view bindtap="plain"><text id="t">words</text></view>
  <input bindinput="typed"/>
  <form bindsubmit="sent" data-form="f"><input name="who" value="{{who}}"/><textarea name="note"/><switch name="loud" checked="{{true}}"/><checkbox-group name="tags"><checkbox value="a" checked="{{true}}"/><checkbox value="b"/></checkbox-group><radio-group name="size"><radio value="s"/><radio value="m" checked="{{true}}"/></radio-group><button id="send" form-type="submit">send</button></form>
  <navigator url="/pages/detail?id=1"><text>more</text></navigator>
</view>"#;

    fn tree() -> Tree {
        rendered(PAGE, &json!({}))
    }

    /// The id of the first element whose `id` attribute is `name`, or
    /// whose tag is `name`.
    fn node(tree: &Tree, name: &str) -> u32 {
        fn find(nodes: &[VNode], name: &str) -> Option<u32> {
            nodes.iter().find_map(|n| match n {
                VNode::Element(e) if e.tag == name || attr(e, "id") == Some(name) => Some(e.id),
                VNode::Element(e) => find(&e.children, name),
                VNode::Text(_) => None,
            })
        }
        find(&tree.nodes, name).unwrap()
    }

    fn tap(node: u32) -> ViewEvent {
        ViewEvent {
            node,
            kind: "tap".into(),
            detail: json!({}),
        }
    }

    fn handlers(tree: &Tree, node: u32, kind: &str) -> Result<Vec<(String, bool)>, EventError> {
        let event = ViewEvent {
            node,
            kind: kind.into(),
            detail: json!({}),
        };
        match resolve(tree, &event)? {
            Resolved::Handlers(h) => Ok(h.into_iter().map(|d| (d.handler, d.gesture)).collect()),
            Resolved::Navigate { url, .. } => Ok(vec![(format!("navigate {url}"), false)]),
            Resolved::Share { target, taps } => {
                let mut calls: Vec<_> = taps.into_iter().map(|d| (d.handler, d.gesture)).collect();
                calls.push((format!("share {target}"), false));
                Ok(calls)
            }
            Resolved::OpenType {
                taps,
                open_type,
                results,
                ..
            } => {
                let mut calls: Vec<_> = taps.into_iter().map(|d| (d.handler, d.gesture)).collect();
                calls.push((format!("open-type {}", open_type.name()), false));
                calls.extend(results.into_iter().map(|d| (d.handler, d.gesture)));
                Ok(calls)
            }
        }
    }

    #[test]
    fn a_tap_bubbles_until_a_catch() {
        let tree = tree();
        let inner = node(&tree, "inner");
        assert_eq!(
            handlers(&tree, inner, "tap").unwrap(),
            [("inner".to_string(), true), ("middle".to_string(), true)]
        );
        let event = ViewEvent {
            node: inner,
            kind: "tap".into(),
            detail: json!({"x": 1}),
        };
        let Resolved::Handlers(calls) = resolve(&tree, &event).unwrap() else {
            panic!()
        };
        assert_eq!(
            calls[0].dataset,
            json!({"itemId": 7}).as_object().unwrap().clone()
        );
        assert_eq!(calls[1].dataset["level"], "middle");
        assert_eq!(
            (calls[1].target, calls[1].current_target),
            (inner, calls[1].current_target)
        );
        // A text inside a bound view: the tap is the view's.
        assert_eq!(
            handlers(&tree, node(&tree, "t"), "tap").unwrap(),
            [("plain".to_string(), true), ("outer".to_string(), true)]
        );
    }

    #[test]
    fn only_tap_longpress_and_touch_bubble_and_only_gestures_are_gestures() {
        let tree = tree();
        assert_eq!(
            handlers(&tree, node(&tree, "inner"), "longpress").unwrap(),
            [("held".to_string(), true)]
        );
        assert_eq!(
            handlers(&tree, node(&tree, "input"), "input").unwrap(),
            [("typed".to_string(), false)]
        );
        assert_eq!(
            handlers(&tree, node(&tree, "form"), "submit").unwrap(),
            [("sent".to_string(), true)]
        );
        // Submit does not bubble from the button to the form.
        let err = handlers(&tree, node(&tree, "button"), "submit").unwrap_err();
        assert!(matches!(err, EventError::NotBound { .. }), "{err}");
    }

    #[test]
    fn forged_events_are_refused() {
        let tree = tree();
        let err = handlers(&tree, 9999, "tap").unwrap_err();
        assert_eq!(
            err.to_string(),
            "event `tap` for node 9999, which is not on the page"
        );
        // A tap on the input bubbles to the outer view; a change is bound
        // nowhere and does not bubble.
        assert_eq!(
            handlers(&tree, node(&tree, "input"), "tap").unwrap(),
            [("outer".to_string(), true)]
        );
        let err = handlers(&tree, node(&tree, "input"), "change").unwrap_err();
        assert!(matches!(err, EventError::NotBound { .. }), "{err}");
        let big = ViewEvent {
            node: node(&tree, "input"),
            kind: "input".into(),
            detail: json!({"value": "x".repeat(MAX_DETAIL_BYTES)}),
        };
        assert!(matches!(
            resolve(&tree, &big),
            Err(EventError::DetailTooLarge { .. })
        ));
    }

    #[test]
    fn a_tap_on_a_navigator_is_the_hosts() {
        let tree = tree();
        let navigator = node(&tree, "navigator");
        assert_eq!(
            resolve(
                &tree,
                &ViewEvent {
                    node: navigator,
                    kind: "tap".into(),
                    detail: json!({})
                }
            )
            .unwrap(),
            Resolved::Navigate {
                url: "/pages/detail?id=1".into(),
                open_type: "navigate".into(),
                delta: 1,
            }
        );
    }

    #[test]
    fn a_tap_on_a_share_button_shares_with_the_button_as_target_unless_disabled() {
        let page = r#"<button id="share" open-type="share" data-post="7">Share</button>
<button id="off" open-type="share" disabled="{{true}}" bindtap="never">Off</button>
<button id="own" open-type="share" bindtap="mine">Mine</button>"#;
        let tree = rendered(page, &json!({}));
        let share = node(&tree, "share");
        assert_eq!(
            handlers(&tree, share, "tap").unwrap(),
            [(
                r#"share {"dataset":{"post":"7"},"id":"share"}"#.to_string(),
                false
            )]
        );
        // A disabled share button shares nothing; one binding its own tap
        // runs its handler, then shares (WeChat runs both).
        let off = handlers(&tree, node(&tree, "off"), "tap").unwrap();
        assert_eq!(off, [("never".to_string(), true)]);
        let own = handlers(&tree, node(&tree, "own"), "tap").unwrap();
        assert_eq!(
            own,
            [
                ("mine".to_string(), true),
                (r#"share {"dataset":{},"id":"own"}"#.to_string(), false)
            ]
        );
    }

    #[test]
    fn a_tap_on_an_open_type_button_runs_its_flow_with_the_result_handler() {
        let page = r#"<view bindtap="outer"><button id="phone" open-type="getPhoneNumber" bindgetphonenumber="onPhone" data-k="1">Phone</button></view>
<button id="avatar" open-type="chooseAvatar">Avatar</button>
<button id="off" open-type="openSetting" disabled="{{true}}" bindopensetting="never">Off</button>
<button id="own" open-type="contact" bindtap="mine" bindcontact="never">Mine</button>"#;
        let tree = rendered(page, &json!({}));
        let phone = node(&tree, "phone");
        // The flow, then the button's own result handler; the outer view's
        // tap handler is not reached (the host took the tap).
        assert_eq!(
            handlers(&tree, phone, "tap").unwrap(),
            [
                ("open-type getPhoneNumber".to_string(), false),
                ("onPhone".to_string(), false)
            ]
        );
        let resolved = resolve(&tree, &tap(phone)).unwrap();
        let Resolved::OpenType { results, card, .. } = resolved else {
            panic!("a getPhoneNumber button's tap runs its flow");
        };
        assert_eq!(results[0].kind, "getphonenumber");
        assert_eq!(results[0].dataset["k"], json!("1"));
        assert_eq!(card, None);
        // A flow nobody listens to still runs.
        let avatar = handlers(&tree, node(&tree, "avatar"), "tap").unwrap();
        assert_eq!(avatar, [("open-type chooseAvatar".to_string(), false)]);
        // A disabled one runs nothing; one binding its own tap runs it,
        // then its flow (WeChat runs both).
        let off = resolve(&tree, &tap(node(&tree, "off")));
        assert!(matches!(off, Err(EventError::NotBound { .. })), "{off:?}");
        let own = handlers(&tree, node(&tree, "own"), "tap").unwrap();
        assert_eq!(
            own,
            [
                ("mine".to_string(), true),
                ("open-type contact".to_string(), false),
                ("never".to_string(), false)
            ]
        );
    }

    #[test]
    fn a_client_cannot_report_an_open_type_result_itself() {
        let page = r#"<button id="phone" open-type="getPhoneNumber" bindgetphonenumber="onPhone">Phone</button>"#;
        let tree = rendered(page, &json!({}));
        let forged = ViewEvent {
            node: node(&tree, "phone"),
            kind: "getphonenumber".into(),
            detail: json!({"errMsg": "getPhoneNumber:ok", "code": "forged"}),
        };
        let refused = resolve(&tree, &forged).unwrap_err().to_string();
        assert!(refused.contains("only the host reports it"), "{refused}");
    }

    #[test]
    fn a_submit_button_submits_its_form_with_the_fields_values() {
        let tree = rendered(PAGE, &json!({"who": "Ada"}));
        let button = node(&tree, "send");
        let note = crate::select::Selector::parse("textarea")
            .unwrap()
            .find(&tree)
            .unwrap()
            .id;
        let typed = BTreeMap::from([(note, "typed by the user".to_string())]);
        let event = ViewEvent {
            node: button,
            kind: "tap".into(),
            detail: json!({}),
        };
        let Resolved::Handlers(calls) = resolve_with_fields(&tree, &event, &typed).unwrap() else {
            panic!("handlers expected");
        };
        // The tap bubbles first (to the page's outer view), then the form submits.
        let names: Vec<_> = calls
            .iter()
            .map(|c| (c.handler.as_str(), c.kind.as_str()))
            .collect();
        assert_eq!(names, [("outer", "tap"), ("sent", "submit")]);
        let submit = &calls[1];
        assert!(submit.gesture);
        assert_eq!(submit.dataset["form"], "f");
        assert_eq!(
            submit.detail,
            json!({"value": {"who": "Ada", "note": "typed by the user", "loud": true, "tags": ["a"], "size": "m"}})
        );
    }

    /// The handlers a tap on `#target` in `page` reaches, in order.
    fn tapped(page: &str) -> Vec<String> {
        let tree = rendered(page, &json!({}));
        let target = node(&tree, "target");
        match handlers(&tree, target, "tap") {
            Ok(h) => h.into_iter().map(|(name, _)| name).collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn the_capture_phase_runs_root_first_before_the_bubble_phase() {
        // WeChat's own example: outer capture, inner capture, inner bubble,
        // outer bubble.
        let page = r#"<view capture-bind:tap="outerDown" bindtap="outerUp">
  <view capture-bind:tap="middleDown" bind:tap="middleUp">
    <view id="target" bindtap="targetUp" capture-bind:tap="targetDown"/>
  </view>
</view>"#;
        assert_eq!(
            tapped(page),
            [
                "outerDown",
                "middleDown",
                "targetDown",
                "targetUp",
                "middleUp",
                "outerUp"
            ]
        );
        // Capture handlers are gestures like the tap they see, and name
        // the element they are bound on.
        let tree = rendered(page, &json!({}));
        let target = node(&tree, "target");
        let event = ViewEvent {
            node: target,
            kind: "tap".into(),
            detail: json!({}),
        };
        let Resolved::Handlers(calls) = resolve(&tree, &event).unwrap() else {
            panic!("handlers expected");
        };
        assert!(calls.iter().all(|c| c.gesture && c.target == target));
        assert_ne!(calls[0].current_target, target);
        assert_eq!(calls[2].current_target, target);
    }

    #[test]
    fn a_capture_catch_stops_the_rest_of_both_phases() {
        let at_root = r#"<view capture-catch:tap="outerDown" bindtap="outerUp">
  <view capture-bind:tap="middleDown"><view id="target" bindtap="targetUp"/></view>
</view>"#;
        assert_eq!(tapped(at_root), ["outerDown"]);
        let in_the_middle = r#"<view capture-bind:tap="outerDown" bindtap="outerUp">
  <view capture-catch:tap="middleDown" bindtap="middleUp"><view id="target" capture-bind:tap="targetDown" bindtap="targetUp"/></view>
</view>"#;
        assert_eq!(tapped(in_the_middle), ["outerDown", "middleDown"]);
        let on_the_target = r#"<view capture-bind:tap="outerDown" bindtap="outerUp">
  <view id="target" capture-catch:tap="targetDown" bindtap="targetUp"/>
</view>"#;
        assert_eq!(tapped(on_the_target), ["outerDown", "targetDown"]);
    }

    #[test]
    fn a_bubble_catch_after_a_capture_phase_stops_only_the_bubbling() {
        let page = r#"<view capture-bind:tap="outerDown" bindtap="outerUp">
  <view catchtap="middleUp"><view id="target" bindtap="targetUp"/></view>
</view>"#;
        assert_eq!(tapped(page), ["outerDown", "targetUp", "middleUp"]);
    }

    #[test]
    fn after_one_mut_bind_ran_later_ones_are_skipped_and_binds_still_run() {
        let page = r#"<view mut-bind:tap="outerMut" bindtap="outerUp">
  <view mut-bind:tap="middleMut"><view id="target" mut-bind:tap="targetMut"/></view>
</view>"#;
        assert_eq!(tapped(page), ["targetMut", "outerUp"]);
        // The first mut-bind on the way is the one that runs, wherever it is.
        let page = r#"<view mut-bind:tap="outerMut" catchtap="outerUp">
  <view mut-bind:tap="middleMut" bind:tap="middleUp"><view id="target" bindtap="targetUp"/></view>
</view>"#;
        assert_eq!(
            tapped(page),
            ["targetUp", "middleMut", "middleUp", "outerUp"]
        );
        // A catch still stops the event: the outer mut-bind is never reached.
        let page = r#"<view mut-bind:tap="outerMut">
  <view catchtap="middleUp"><view id="target" bindtap="targetUp"/></view>
</view>"#;
        assert_eq!(tapped(page), ["targetUp", "middleUp"]);
        // With a capture phase before it, mut-bind skips as well.
        let page = r#"<view capture-bind:tap="outerDown" mut-bind:tap="outerMut">
  <view id="target" mut-bind:tap="targetMut"/>
</view>"#;
        assert_eq!(tapped(page), ["outerDown", "targetMut"]);
        // On an event that does not bubble, mut-bind is a plain bind.
        let tree = rendered(r#"<input mut-bind:input="typed"/>"#, &json!({}));
        assert_eq!(
            handlers(&tree, node(&tree, "input"), "input").unwrap(),
            [("typed".to_string(), false)]
        );
    }

    #[test]
    fn a_capture_handler_above_a_navigator_takes_its_tap() {
        // As a handler bound inside a navigator does: the handlers run and
        // the host does not navigate.
        let page = r#"<view capture-bind:tap="seen"><navigator id="target" url="/pages/detail"><text>go</text></navigator></view>"#;
        assert_eq!(tapped(page), ["seen"]);
        let page = r#"<view bindtap="seen"><navigator id="target" url="/pages/detail"><text>go</text></navigator></view>"#;
        assert_eq!(tapped(page), ["navigate /pages/detail"]);
    }

    #[test]
    fn a_model_binding_patches_its_path_with_the_users_value_and_calls_no_handler() {
        let page = r#"<view bindtap="outer"><input id="name" model:value="{{form.name}}" bindinput="typed"/><switch id="loud" model:checked="{{loud}}"/><input id="plain" bindinput="typed"/></view>"#;
        let tree = rendered(page, &json!({}));
        let event = |id: &str, kind: &str, detail| ViewEvent {
            node: node(&tree, id),
            kind: kind.into(),
            detail,
        };
        let typed = event("name", "input", json!({"value": "Ada"}));
        assert_eq!(
            model_patch(&tree, &typed).unwrap(),
            Some(json!({"form.name": "Ada"}))
        );
        // The bound handler is still called, and the model binding is no handler.
        assert_eq!(
            handlers(&tree, typed.node, "input").unwrap(),
            [("typed".to_string(), false)]
        );
        let toggled = event("loud", "change", json!({"value": true}));
        assert_eq!(
            model_patch(&tree, &toggled).unwrap(),
            Some(json!({"loud": true}))
        );
        let err = resolve(&tree, &toggled).unwrap_err();
        assert!(matches!(err, EventError::NotBound { .. }), "{err}");
        // No model binding for the event: nothing to set.
        assert_eq!(
            model_patch(&tree, &event("plain", "input", json!({"value": "x"}))).unwrap(),
            None
        );
        assert_eq!(
            model_patch(&tree, &event("name", "tap", json!({}))).unwrap(),
            None
        );
        // A value not of the element's kind is refused.
        let err =
            model_patch(&tree, &event("loud", "change", json!({"value": "yes"}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "event `change` of a `model:` bound `<switch>` needs a `value` of its kind in its \
             detail (a string, a switch's boolean, a slider's number, a picker's index, array \
             or text)"
        );
        assert!(model_patch(&tree, &event("name", "input", json!({}))).is_err());
    }
}
