//! Custom components in a render: properties in the caller's scope, slots,
//! owners, instance keys, limits and reuse.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::ast::Template;
use crate::component::{Definition, InstanceKey, Kind, Options, Property};
use crate::diff::diff;
use crate::html::to_html;
use crate::render::{Changes, Context, RenderError, RenderLimits, Tree, VElement, VNode};
use crate::{Limits, parse};

/// A package of templates and component definitions, as the runtime's
/// view check makes it.
pub(crate) struct Package {
    pub files: BTreeMap<String, Template>,
    pub components: BTreeMap<Arc<str>, Definition>,
    pub using: BTreeMap<String, Arc<str>>,
    pub limits: RenderLimits,
}

/// Parse `source` as `file`, custom components allowed.
pub(crate) fn template(file: &str, source: &str) -> Template {
    let limits = Limits {
        custom_components: true,
        ..Limits::default()
    };
    parse(file, source, &limits).unwrap_or_else(|e| panic!("{source}: {e:?}"))
}

/// A property of `kind` with an optional default.
pub(crate) fn property(name: &str, kind: Kind, default: Option<Json>) -> Property {
    Property {
        name: name.into(),
        kind,
        optional: Vec::new(),
        default,
    }
}

impl Package {
    pub fn new() -> Package {
        Package {
            files: BTreeMap::new(),
            components: BTreeMap::new(),
            using: BTreeMap::new(),
            limits: RenderLimits::default(),
        }
    }

    /// Add component `path` with `source` as its template, declared on the
    /// page as `tag`.
    pub fn component(
        mut self,
        tag: &str,
        path: &str,
        source: &str,
        definition: Definition,
    ) -> Self {
        let file = format!("{path}.wxml");
        self.files.insert(file.clone(), template(&file, source));
        let path: Arc<str> = path.into();
        self.using.insert(tag.into(), path.clone());
        self.components.insert(
            path.clone(),
            Definition {
                path,
                template: file,
                ..definition
            },
        );
        self
    }

    /// Let component `user` use `used` as `tag`.
    pub fn uses(mut self, user: &str, tag: &str, used: &str) -> Self {
        let definition = self.components.get_mut(user).expect("declared");
        definition.using.insert(tag.into(), used.into());
        self
    }

    pub fn context<'a>(&'a self, instances: &'a BTreeMap<InstanceKey, Json>) -> Context<'a> {
        Context {
            components: &self.components,
            using: &self.using,
            instances,
            ..Context::new(&self.files, &[], self.limits)
        }
    }

    pub fn render(&self, page: &str, data: &Json) -> Result<Tree, RenderError> {
        let instances = BTreeMap::new();
        crate::render::render(
            &template("pages/index.wxml", page),
            data,
            &self.context(&instances),
        )
    }
}

/// A card with a title property and a default slot.
fn card() -> Package {
    Package::new().component(
        "my-card",
        "components/card/card",
        r#"<view class="card"><text>{{title}}</text><slot></slot><text>{{count + 1}}</text></view>"#,
        Definition {
            properties: vec![
                property("title", Kind::String, Some(json!("Untitled"))),
                property("count", Kind::Number, None),
            ],
            data: json!({"open": false}),
            ..Definition::default()
        },
    )
}

/// Every element of `tree` with its owner, in document order.
fn owners(tree: &Tree) -> Vec<(String, Option<String>)> {
    fn walk(nodes: &[VNode], out: &mut Vec<(String, Option<String>)>) {
        for node in nodes {
            if let VNode::Element(e) = node {
                let name = crate::html::component_name(e).to_string();
                out.push((name, e.owner.as_deref().map(str::to_string)));
                walk(&e.children, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&tree.nodes, &mut out);
    out
}

#[test]
fn a_component_draws_its_properties_from_the_callers_scope_and_its_slot_from_the_callers_data() {
    let tree = card()
        .render(
            r#"<view><my-card id="c" class="big" title="{{name}}" count="{{n}}" data-x="{{n}}"><text>by {{name}}</text></my-card></view>"#,
            &json!({"name": "Ada", "n": "41"}),
        )
        .unwrap();
    assert_eq!(
        to_html(&tree),
        r#"<div data-nid="1" data-mp="view"><span data-nid="2" data-mp="my-card" data-mpc="1:7" id="c" class="big"><div data-nid="3" data-mp="view" class="card"><span data-nid="4" data-mp="text"><span data-nid="5">Ada</span></span><span data-nid="6" data-mp="text"><span data-nid="7">by Ada</span></span><span data-nid="8" data-mp="text"><span data-nid="9">42</span></span></div></span></div>"#
    );
    assert_eq!(tree.instances.len(), 1);
    let card = &tree.instances[0];
    assert_eq!(&*card.key, "1:7");
    assert_eq!(&*card.definition, "components/card/card");
    assert_eq!((card.parent.clone(), card.host), (None, 2));
    assert_eq!(card.properties, json!({"title": "Ada", "count": 41}));
    let key = Some("1:7".to_string());
    assert_eq!(
        owners(&tree),
        [
            ("view".into(), None),
            ("my-card".into(), None),
            ("view".into(), key.clone()),
            ("text".into(), key),
            // The slot's content is the caller's.
            ("text".into(), None),
            ("text".into(), Some("1:7".into())),
        ]
    );
    let host = crate::events::element(&tree, 2).unwrap();
    assert_eq!(host.dataset, vec![("x".into(), json!("41"))]);
}

#[test]
fn a_property_not_given_has_its_default_and_the_runtimes_data_wins_for_own_fields() {
    let package = card().component(
        "my-flag",
        "components/flag/flag",
        r#"<text>{{open ? 'open' : 'shut'}} {{title}}</text>"#,
        Definition {
            properties: vec![property("title", Kind::String, None)],
            data: json!({"open": false}),
            ..Definition::default()
        },
    );
    let page = template("pages/index.wxml", r#"<my-card/><my-flag title="t"/>"#);
    let mut instances = BTreeMap::new();
    let tree = crate::render::render(&page, &json!({}), &package.context(&instances)).unwrap();
    assert_eq!(
        tree.instances[0].properties,
        json!({"title": "Untitled", "count": 0})
    );
    assert!(to_html(&tree).contains(">shut t<"), "{}", to_html(&tree));
    // The runtime's data: its own `open`, and a stale title the caller's wins over.
    instances.insert("1:11".into(), json!({"open": true, "title": "old"}));
    let tree = crate::render::render(&page, &json!({}), &package.context(&instances)).unwrap();
    assert!(to_html(&tree).contains(">open t<"), "{}", to_html(&tree));
}

#[test]
fn named_slots_take_the_callers_children_by_their_slot_attribute() {
    let package = Package::new().component(
        "my-panel",
        "components/panel/panel",
        r#"<view class="head"><slot name="head"/></view><view class="body"><slot/></view>"#,
        Definition {
            options: Options {
                multiple_slots: true,
                ..Options::default()
            },
            ..Definition::default()
        },
    );
    let tree = package
        .render(
            r#"<my-panel><text>body</text><text slot="{{where}}">title</text>tail</my-panel>"#,
            &json!({"where": "head"}),
        )
        .unwrap();
    let outline = crate::select::outline(&tree);
    assert_eq!(
        outline,
        [
            "my-panel",
            "  view.head",
            "    text",
            "      \"title\"",
            "  view.body",
            "    text",
            "      \"body\"",
            "    \"tail\"",
        ]
    );
}

#[test]
fn keyed_items_keep_their_instance_keys_when_they_move() {
    let package = card();
    let page = r#"<my-card wx:for="{{items}}" wx:key="id" title="{{item.name}}"/>"#;
    let keys = |items: Json| -> Vec<(String, Json)> {
        let tree = package.render(page, &json!({ "items": items })).unwrap();
        let each = tree.instances.iter();
        each.map(|i| (i.key.to_string(), i.properties["title"].clone()))
            .collect()
    };
    let before = keys(json!([{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]));
    let after = keys(json!([{"id": "b", "name": "B"}, {"id": "a", "name": "A"}]));
    assert_eq!(before[0], after[1]);
    assert_eq!(before[1], after[0]);
    assert_ne!(before[0].0, before[1].0);
    // Unkeyed, an instance is its index.
    let unkeyed = r#"<my-card wx:for="{{items}}" title="{{item}}"/>"#;
    let tree = package
        .render(unkeyed, &json!({"items": ["x", "y"]}))
        .unwrap();
    assert_eq!(&*tree.instances[1].key, "[1]1:1");
}

#[test]
fn items_with_one_wx_key_are_still_two_instances() {
    let package = card();
    // Two items with the same id, and two without one: four instances.
    let page = r#"<my-card wx:for="{{items}}" wx:key="id" title="{{item.name}}"/>"#;
    let items =
        json!([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}, {"name": "C"}, {"name": "D"}]);
    let tree = package.render(page, &json!({ "items": items })).unwrap();
    let keys: std::collections::BTreeSet<&str> = tree.instances.iter().map(|i| &*i.key).collect();
    assert_eq!(tree.instances.len(), 4);
    assert_eq!(keys.len(), 4, "{keys:?}");
}

#[test]
fn a_component_in_another_template_at_the_same_place_is_another_instance() {
    let mut package = card();
    // Two templates in two files, each drawing a card at line 1, column
    // 22: the page shows one or the other at one `is`.
    for (file, name) in [("a.wxml", "a"), ("b.wxml", "b")] {
        let source = format!(r#"<template name="{name}"><my-card title="{name}"/></template>"#);
        package.files.insert(file.into(), template(file, &source));
    }
    let page = r#"<import src="/a.wxml"/><import src="/b.wxml"/><template is="{{which}}"/>"#;
    let key = |which: &str| {
        let tree = package.render(page, &json!({ "which": which })).unwrap();
        tree.instances[0].key.to_string()
    };
    assert_ne!(key("a"), key("b"));
}

#[test]
fn components_nest_with_their_own_owners_and_the_limits_hold() {
    let package = card()
        .component(
            "my-list",
            "components/list/list",
            r#"<view wx:for="{{rows}}"><my-card title="{{item}}"/></view>"#,
            Definition {
                properties: vec![property("rows", Kind::Array, None)],
                ..Definition::default()
            },
        )
        .uses("components/list/list", "my-card", "components/card/card");
    let tree = package
        .render(
            r#"<my-list rows="{{rows}}"/>"#,
            &json!({"rows": ["a", "b"]}),
        )
        .unwrap();
    let parents: Vec<_> = (tree.instances.iter())
        .map(|i| (i.key.to_string(), i.parent.as_deref().map(str::to_string)))
        .collect();
    assert_eq!(
        parents,
        [
            ("1:1".into(), None),
            ("1:1/[0]1:25".into(), Some("1:1".into())),
            ("1:1/[1]1:25".into(), Some("1:1".into())),
        ]
    );
    // `my-card` is the list's, not the page's.
    let err = package
        .render(r#"<my-list/><my-cards/>"#, &json!({}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "pages/index.wxml:1: `<my-cards>`: not declared in usingComponents"
    );
    let mut few = package;
    few.limits.components = 2;
    let err = few.render(r#"<my-list rows="{{rows}}"/>"#, &json!({"rows": [1, 2]}));
    assert_eq!(
        err.unwrap_err(),
        RenderError::Limit {
            what: "custom component instances per page",
            limit: 2
        }
    );
}

#[test]
fn a_component_using_itself_stops_at_the_depth_limit() {
    let mut package = Package::new()
        .component(
            "my-tree",
            "components/tree/tree",
            r#"<text>{{depth}}</text><my-tree wx:if="{{depth < 50}}" depth="{{depth + 1}}"/>"#,
            Definition {
                properties: vec![property("depth", Kind::Number, None)],
                ..Definition::default()
            },
        )
        .uses("components/tree/tree", "my-tree", "components/tree/tree");
    package.limits.component_depth = 5;
    let err = package.render("<my-tree/>", &json!({})).unwrap_err();
    assert_eq!(
        err,
        RenderError::Limit {
            what: "custom components inside one another",
            limit: 5
        }
    );
    package.limits.component_depth = 60;
    let tree = package.render("<my-tree/>", &json!({})).unwrap();
    assert_eq!(tree.instances.len(), 51);
}

#[test]
fn a_virtual_host_puts_its_nodes_in_the_callers_list() {
    let package = Package::new().component(
        "my-cell",
        "components/cell/cell",
        r#"<text>{{label}}</text>"#,
        Definition {
            properties: vec![property("label", Kind::String, None)],
            options: Options {
                virtual_host: true,
                ..Options::default()
            },
            ..Definition::default()
        },
    );
    let tree = package
        .render(
            r#"<view><my-cell label="a"/><my-cell label="b"/></view>"#,
            &json!({}),
        )
        .unwrap();
    assert_eq!(
        crate::select::outline(&tree),
        ["view", "  text", "    \"a\"", "  text", "    \"b\""]
    );
    assert_eq!(tree.instances[1].host, 0);
}

/// The host element of instance `key` in `tree`.
fn host<'t>(tree: &'t Tree, key: &str) -> &'t Arc<VElement> {
    fn find<'t>(nodes: &'t [VNode], key: &str) -> Option<&'t Arc<VElement>> {
        nodes.iter().find_map(|node| match node {
            VNode::Element(e) if e.host.as_ref().is_some_and(|h| &*h.key == key) => Some(e),
            VNode::Element(e) => find(&e.children, key),
            VNode::Text(_) => None,
        })
    }
    find(&tree.nodes, key).expect("a host")
}

#[test]
fn a_property_change_draws_only_that_components_subtree_again() {
    let package = card();
    let page = template(
        "pages/index.wxml",
        r#"<view wx:for="{{cards}}" wx:key="id"><my-card title="{{item.title}}"/></view><text>{{footer}}</text>"#,
    );
    let mut instances = BTreeMap::new();
    let cards = |second: &str| json!({"cards": [{"id": 1, "title": "one"}, {"id": 2, "title": second}, {"id": 3, "title": "three"}], "footer": "f"});
    let context = package.context(&instances);
    let first = crate::render::render(&page, &cards("two"), &context).unwrap();
    let keys: Vec<_> = first.instances.iter().map(|i| i.key.to_string()).collect();
    assert_eq!(keys, ["[1]1:38", "[2]1:38", "[3]1:38"]);
    let changes = Changes::from_keys(["cards[1].title"]);
    let mut second =
        crate::render::render_changed(&page, &cards("TWO"), &context, &first, &changes).unwrap();
    let mut next_id = crate::diff::max_id(&first) + 1;
    let ops = diff(&first, &mut second, &mut next_id);
    // The first and third cards are the previous render's, shared.
    for key in ["[1]1:38", "[3]1:38"] {
        assert!(Arc::ptr_eq(host(&first, key), host(&second, key)), "{key}");
    }
    assert!(!Arc::ptr_eq(
        host(&first, "[2]1:38"),
        host(&second, "[2]1:38")
    ));
    // One text changed, inside the second card.
    let changed = host(&second, "[2]1:38");
    assert_eq!(ops.len(), 1, "{ops:?}");
    let inside = |id: u32| {
        crate::dom::find(
            &Tree {
                nodes: changed.children.clone(),
                ..Tree::default()
            },
            id,
        )
        .is_some()
    };
    match &ops[0] {
        crate::diff::Op::SetText { id, text } => {
            assert_eq!(text, "TWO");
            assert!(inside(*id));
        }
        op => panic!("{op:?}"),
    }
    assert_eq!(
        second,
        crate::render::render(&page, &cards("TWO"), &context)
            .map(|mut t| {
                let mut id = crate::diff::max_id(&first) + 1;
                diff(&first, &mut t, &mut id);
                t
            })
            .unwrap()
    );
    assert_eq!(
        second.instances.iter().map(|i| i.host).collect::<Vec<_>>(),
        [2, 9, 16]
    );
    // The instance's own data changing draws it again too.
    instances.insert("[3]1:38".into(), json!({"title": "three", "count": 5}));
    let context = package.context(&instances);
    let third = crate::render::render_changed(
        &page,
        &cards("TWO"),
        &context,
        &second,
        &Changes::from_keys(["footer"]),
    )
    .unwrap();
    assert!(Arc::ptr_eq(
        host(&second, "[1]1:38"),
        host(&third, "[1]1:38")
    ));
    assert!(!Arc::ptr_eq(
        host(&second, "[3]1:38"),
        host(&third, "[3]1:38")
    ));
    assert!(to_html(&third).contains(">6<"));
}

/// The errors of `source` parsed with custom components allowed, as
/// `line:col: message`.
fn errors(source: &str) -> Vec<String> {
    let limits = Limits {
        custom_components: true,
        ..Limits::default()
    };
    let errors = parse("components/x/x.wxml", source, &limits).expect_err(source);
    errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.pos.line, e.pos.col, e.message))
        .collect()
}

#[test]
fn templates_take_custom_tags_slots_and_custom_events_only_when_allowed() {
    let parsed = template(
        "components/x/x.wxml",
        r#"<my-card title="{{t}}" bind:pick="onPick" capture-bind:pick="onCapture"><text slot="head">h</text></my-card><slot/><slot name="foot"/>"#,
    );
    let crate::ast::Node::Element(card) = &parsed.nodes[0] else {
        panic!("{:?}", parsed.nodes[0]);
    };
    assert_eq!(
        (card.tag, card.custom.as_deref()),
        (crate::ast::CUSTOM, Some("my-card"))
    );
    assert_eq!(card.attrs[0].0.as_ref(), "title");
    assert_eq!(card.events.len(), 2);
    let crate::ast::Node::Element(text) = &card.children[0] else {
        panic!();
    };
    assert_eq!(text.slot, Some(crate::ast::Value::Static("head".into())));
    assert!(matches!(parsed.nodes[1], crate::ast::Node::Slot { .. }));
    // A custom event bubbling out of a component may be bound on a built-in
    // around it (with a warning), and captured.
    let around = template(
        "components/x/x.wxml",
        r#"<view capture-bind:pick="onPick"/>"#,
    );
    let warnings: Vec<String> = around.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "components/x/x.wxml:1:20: `pick` is not an event of `<view>`: only a custom component's bubbling event reaches it there"
        ]
    );
    // Without, as before: refused.
    let strict = crate::testing::template_errors("<my-card/>");
    assert!(
        strict[0].starts_with("1:2: unknown component `<my-card>`"),
        "{strict:?}"
    );
    assert_eq!(
        crate::testing::template_errors("<slot/>"),
        ["1:1: slots are not supported"]
    );
    assert_eq!(
        errors(r#"<my-card model:value="{{v + 1}}"/><block slot="a"><text/></block>"#),
        [
            "1:16: `model:value` takes a plain page data path, like `model:value=\"{{form.name}}\"` \
             or `\"{{items[0].title}}\"` (not an expression, a literal or a wx:for item)",
            "1:42: `slot` on a `<block>` is not supported yet: put it on an element",
        ]
    );
}

#[test]
fn a_components_classes_are_scoped_by_its_isolation_and_external_classes_are_the_callers() {
    let badge = |isolation| Definition {
        scope: "c-badge--".into(),
        external_classes: vec!["label-class".into()],
        options: Options {
            style_isolation: isolation,
            ..Options::default()
        },
        ..Definition::default()
    };
    let page = r#"<my-badge class="wide" label-class="red {{tone}}"/>"#;
    let source = r#"<view class="box"><text class="label-class tiny">x</text></view>"#;
    let html = |isolation| {
        let package = Package::new().component(
            "my-badge",
            "components/badge/badge",
            source,
            badge(isolation),
        );
        to_html(&package.render(page, &json!({"tone": "dark"})).unwrap())
    };
    use crate::component::StyleIsolation::*;
    assert_eq!(
        html(Isolated),
        r#"<span data-nid="1" data-mp="my-badge" data-mpc="1:1" class="wide c-badge--"><div data-nid="2" data-mp="view" class="c-badge--box"><span data-nid="3" data-mp="text" class="red dark c-badge--tiny"><span data-nid="4">x</span></span></div></span>"#
    );
    assert!(
        html(ApplyShared).contains(r#"class="c-badge--box box""#),
        "{}",
        html(ApplyShared)
    );
    assert!(html(Shared).contains(r#"class="red dark c-badge--tiny tiny""#));
    // A component inside a component: the caller's classes are the caller's scope's.
    let package = Package::new()
        .component(
            "my-badge",
            "components/badge/badge",
            source,
            badge(Isolated),
        )
        .component(
            "my-bar",
            "components/bar/bar",
            r#"<my-badge class="pill" label-class="hot"/>"#,
            Definition {
                scope: "c-bar--".into(),
                ..Definition::default()
            },
        )
        .uses("components/bar/bar", "my-badge", "components/badge/badge");
    let html = to_html(&package.render("<my-bar/>", &json!({})).unwrap());
    assert!(html.contains(r#"class="c-bar--pill c-badge--""#), "{html}");
    assert!(
        html.contains(r#"class="c-bar--hot c-badge--tiny""#),
        "{html}"
    );
    let tree = package.render("<my-bar/>", &json!({})).unwrap();
    let bar = Some(tree.instances[0].key.clone());
    assert_eq!(
        crate::select::components(&tree, bar.as_ref(), ".pill", false).unwrap(),
        [tree.instances[1].key.clone()]
    );
    assert!(
        crate::select::components(&tree, None, ".pill", true)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        crate::select::components(&tree, None, "my-bar", true).unwrap(),
        [tree.instances[0].key.clone()]
    );
}

#[test]
fn a_pages_double_dashed_class_is_not_a_components_scoped_one() {
    // `btn--primary` is the page's own class (BEM), not `primary` scoped.
    let package = card();
    let page = r#"<view class="btn--primary"/><my-card class="btn--primary"/>"#;
    let tree = package.render(page, &json!({})).unwrap();
    let select = |selector: &str| crate::select::components(&tree, None, selector, true).unwrap();
    assert!(select(".primary").is_empty());
    assert_eq!(select(".btn--primary"), [tree.instances[0].key.clone()]);
    let find = |s: &str| {
        crate::select::Selector::parse(s)
            .unwrap()
            .find(&tree)
            .map(|e| e.id)
    };
    assert_eq!(find(".primary"), None);
    assert!(find(".btn--primary").is_some());
}

/// The node id of the first element `selector` matches in `tree`.
fn id_of(tree: &Tree, selector: &str) -> u32 {
    let found = crate::select::Selector::parse(selector).unwrap().find(tree);
    found.expect(selector).id
}

#[test]
fn a_tap_inside_a_component_reaches_the_page_retargeted_to_the_host() {
    let package = Package::new().component(
        "my-button",
        "components/button/button",
        r#"<view id="inner" bindtap="onInner"><slot/></view>"#,
        Definition::default(),
    );
    let tree = package
        .render(
            r#"<view id="outer" bindtap="onOuter"><my-button id="b" bindtap="onHost"><text id="label" bindtap="onLabel">go</text></my-button></view>"#,
            &json!({}),
        )
        .unwrap();
    let key: InstanceKey = tree.instances[0].key.clone();
    let tap = |node: u32| {
        let event = crate::events::ViewEvent {
            node,
            kind: "tap".into(),
            detail: json!({}),
        };
        match crate::events::resolve(&tree, &event).unwrap() {
            crate::events::Resolved::Handlers(calls) => calls
                .into_iter()
                .map(|d| (d.handler, d.owner.map(|o| o.to_string()), d.target))
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        }
    };
    let (inner, host, label) = (
        id_of(&tree, "#inner"),
        id_of(&tree, "#b"),
        id_of(&tree, "#label"),
    );
    // Inside the component: its own handler sees the real target; the page's
    // see the host.
    assert_eq!(
        tap(inner),
        [
            ("onInner".into(), Some(key.to_string()), inner),
            ("onHost".into(), None, host),
            ("onOuter".into(), None, host),
        ]
    );
    // Slotted content is the page's: every template sees it as it is.
    assert_eq!(
        tap(label),
        [
            ("onLabel".into(), None, label),
            ("onInner".into(), Some(key.to_string()), label),
            ("onHost".into(), None, label),
            ("onOuter".into(), None, label),
        ]
    );
}

#[test]
fn a_custom_event_reaches_the_hosts_listeners_then_bubbles_and_composes_as_asked() {
    use crate::events::{CustomOptions, resolve_custom};
    let package = card()
        .component(
            "my-list",
            "components/list/list",
            r#"<view id="wrap" bind:pick="onWrap" capture-bind:pick="onWrapCapture"><my-card id="c" bind:pick="onCard" title="t"/></view>"#,
            Definition::default(),
        )
        .uses("components/list/list", "my-card", "components/card/card");
    let tree = package
        .render(
            r#"<view id="page" bind:pick="onPage" capture-bind:pick="onPageCapture"><my-list id="l" bind:pick="onList"/></view>"#,
            &json!({}),
        )
        .unwrap();
    let (list, card) = (tree.instances[0].key.clone(), tree.instances[1].key.clone());
    let calls = |options| {
        resolve_custom(&tree, &card, "pick", &json!({"n": 1}), options)
            .into_iter()
            .map(|d| {
                assert_eq!(d.detail, json!({"n": 1}));
                (d.handler, d.owner.map(|o| o.to_string()), d.target)
            })
            .collect::<Vec<_>>()
    };
    let lkey = Some(list.to_string());
    let (card_host, list_host) = (id_of(&tree, "#c"), id_of(&tree, "#l"));
    assert_eq!(
        calls(CustomOptions::default()),
        [("onCard".into(), lkey.clone(), card_host)]
    );
    let bubbles = CustomOptions {
        bubbles: true,
        ..CustomOptions::default()
    };
    assert_eq!(
        calls(bubbles),
        [
            ("onCard".into(), lkey.clone(), card_host),
            ("onWrap".into(), lkey.clone(), card_host),
        ]
    );
    let everywhere = CustomOptions {
        bubbles: true,
        composed: true,
        capture_phase: true,
    };
    assert_eq!(
        calls(everywhere),
        [
            ("onPageCapture".into(), None, list_host),
            ("onWrapCapture".into(), lkey.clone(), card_host),
            ("onCard".into(), lkey.clone(), card_host),
            ("onWrap".into(), lkey, card_host),
            ("onList".into(), None, list_host),
            ("onPage".into(), None, list_host),
        ]
    );
    assert!(calls(CustomOptions::default()).len() == 1);
    assert!(resolve_custom(&tree, &"nowhere".into(), "pick", &json!(null), everywhere).is_empty());
}

#[test]
fn a_model_binding_on_a_custom_tag_passes_the_property_and_names_the_callers_path() {
    let tree = card()
        .render(
            r#"<my-card model:title="{{form.name}}" model:count="{{items[0].n}}"/>"#,
            &json!({"form": {"name": "Ada"}, "items": [{"n": 4}]}),
        )
        .unwrap();
    let card = &tree.instances[0];
    assert_eq!(card.properties, json!({"title": "Ada", "count": 4}));
    let model = |property: &str, path: &str| crate::component::ModelBinding {
        property: property.into(),
        path: path.into(),
    };
    assert_eq!(
        card.models,
        [model("title", "form.name"), model("count", "items[0].n")]
    );
}

#[test]
fn a_full_render_keeps_a_property_the_component_set_itself_until_its_caller_changes_it() {
    let package = card();
    let page = template("pages/index.wxml", r#"<my-card title="{{name}}"/>"#);
    let mut instances = BTreeMap::new();
    let first = crate::render::render(&page, &json!({"name": "Ada"}), &package.context(&instances))
        .unwrap();
    // The component set its own `title`; the page renders again in full.
    instances.insert("1:1".into(), json!({"title": "mine", "count": 0}));
    let context = package.context(&instances);
    let again = |previous: &Tree, name: &str| {
        let data = json!({ "name": name });
        crate::render::render_changed(&page, &data, &context, previous, &Changes::all()).unwrap()
    };
    let second = again(&first, "Ada");
    assert!(to_html(&second).contains(">mine<"), "{}", to_html(&second));
    // The caller's value changed: the property takes it.
    let third = again(&second, "Bo");
    assert!(to_html(&third).contains(">Bo<"), "{}", to_html(&third));
}

#[test]
fn select_component_takes_wechats_descendant_child_and_alternative_selectors() {
    let package = card().component(
        "my-badge",
        "components/badge/badge",
        "<text>b</text>",
        Definition::default(),
    );
    let page =
        r#"<view class="list"><my-card id="a"/></view><my-card id="b"/><my-badge class="x"/>"#;
    let tree = package.render(page, &json!({})).unwrap();
    let select = |s: &str| crate::select::components(&tree, None, s, true).unwrap();
    let key = |i: usize| tree.instances[i].key.clone();
    assert_eq!(select(".list my-card"), [key(0)]);
    assert_eq!(select(".list > my-card"), [key(0)]);
    assert_eq!(select("#b, .x"), [key(1), key(2)]);
    assert_eq!(select("view my-badge"), []);
    let refused = crate::select::components(&tree, None, "my-card:first", true).unwrap_err();
    assert!(refused.contains("`my-card:first`"), "{refused}");
}

/// The instances a page drawing `<my-tree/>` draws, each tree 100 elements
/// deep with the next inside while its depth is below `trees - 1`; drawn
/// on a large stack, so that a render without a nesting limit finishes.
fn nested_trees(trees: usize) -> Result<usize, RenderError> {
    let open = "<view>".repeat(100);
    let close = "</view>".repeat(100);
    let last = trees - 1;
    let tree = format!(
        r#"{open}<my-tree wx:if="{{{{depth < {last}}}}}" depth="{{{{depth + 1}}}}"/>{close}"#
    );
    let package = Package::new()
        .component(
            "my-tree",
            "components/tree/tree",
            &tree,
            Definition {
                properties: vec![property("depth", Kind::Number, Some(json!(0)))],
                ..Definition::default()
            },
        )
        .uses("components/tree/tree", "my-tree", "components/tree/tree");
    let render = move || (package.render("<my-tree/>", &json!({}))).map(|t| t.instances.len());
    let drawn = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(render);
    drawn.unwrap().join().unwrap()
}

#[test]
fn components_nesting_templates_past_the_hosts_stack_are_refused_by_the_nesting_limit() {
    // 31 trees inside one another (within the component depth): 3,100
    // levels, past what a 2 MiB stack renders (about 850 in a release
    // build; before: drawn, and a host thread's stack overflowed).
    assert_eq!(
        nested_trees(31),
        Err(RenderError::Limit {
            what: "elements and blocks inside one another, across templates and components",
            limit: crate::render::MAX_NESTING
        })
    );
    // Within it, trees nest as before.
    assert_eq!(nested_trees(3), Ok(3));
}
