//! Conformance of rendering: template and data in, HTML (or a tree) out,
//! with WeChat's semantics, and a corpus of injection attempts in
//! templates and in data.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::ast::Template;
use crate::html::to_html;
use crate::render::{Context, RenderError, RenderLimits, Tree, VNode, render};
use crate::{Limits, parse};

fn template(source: &str) -> Template {
    parse("pages/index.wxml", source, &Limits::default()).unwrap_or_else(|e| panic!("{e:?}"))
}

fn tree_with(source: &str, data: Json, limits: RenderLimits) -> Result<Tree, RenderError> {
    let files = BTreeMap::new();
    let origins = ["https://cdn.example.com".to_string()];
    let context = Context::new(&files, &origins, limits);
    render(&template(source), &data, &context)
}

fn html(source: &str, data: Json) -> String {
    to_html(&tree_with(source, data, RenderLimits::default()).unwrap())
}

/// The HTML without the node ids, component markers and text spans, for
/// reading.
fn plain(source: &str, data: Json) -> String {
    let html = strip_text_spans(&html(source, data));
    let mut out = String::new();
    let mut rest = html.as_str();
    while let Some(at) = rest.find(" data-nid=\"") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 11..];
        let end = after.find('"').unwrap() + 1;
        rest = &after[end..];
        let marker = rest.strip_prefix(" data-mp=\"").unwrap();
        rest = &marker[marker.find('"').unwrap() + 1..];
    }
    out.push_str(rest);
    out
}

/// `html` with each text's `<span data-nid="N">…</span>` replaced by its text.
fn strip_text_spans(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("<span data-nid=\"") {
        let after = &rest[at..];
        let open_end = after.find('>').unwrap();
        if after[..open_end].contains("data-mp") {
            out.push_str(&rest[..at + open_end + 1]);
            rest = &after[open_end + 1..];
            continue;
        }
        out.push_str(&rest[..at]);
        let body = &after[open_end + 1..];
        let close = body.find("</span>").unwrap();
        out.push_str(&body[..close]);
        rest = &body[close + 7..];
    }
    out.push_str(rest);
    out
}

#[test]
fn bindings_render_text_and_a_missing_path_renders_empty() {
    assert_eq!(
        html(
            "<view>Hi {{name}}{{missing.deep}}!</view>",
            json!({"name": "Ada"})
        ),
        r#"<div data-nid="1" data-mp="view"><span data-nid="2">Hi Ada!</span></div>"#
    );
    assert_eq!(
        plain(
            "<text>{{a + b}} {{s + 1}} {{n}}</text>",
            json!({"a": 1, "b": 2, "s": "x", "n": null})
        ),
        "<span>3 x1 </span>"
    );
}

#[test]
fn truthiness_follows_javascript() {
    let t = r#"<view hidden="false"/><view hidden="{{false}}"/><view hidden="{{''}}"/><view hidden="{{[]}}"/>"#;
    assert_eq!(
        plain(t, json!({})),
        "<div hidden=\"\"></div><div></div><div></div><div hidden=\"\"></div>"
    );
}

#[test]
fn conditions_pick_one_branch() {
    let t = r#"<view wx:if="{{n > 10}}">big</view><view wx:elif="{{n > 0}}">small</view><view wx:else>none</view>"#;
    assert_eq!(plain(t, json!({"n": 11})), "<div>big</div>");
    assert_eq!(plain(t, json!({"n": 1})), "<div>small</div>");
    assert_eq!(plain(t, json!({"n": 0})), "<div>none</div>");
    assert_eq!(plain(t, json!({})), "<div>none</div>");
}

#[test]
fn loops_walk_arrays_strings_objects_and_numbers() {
    let t = r#"<text wx:for="{{list}}">{{index}}={{item}};</text>"#;
    assert_eq!(
        plain(t, json!({"list": ["a", "b"]})),
        "<span>0=a;</span><span>1=b;</span>"
    );
    assert_eq!(
        plain(t, json!({"list": "hé"})),
        "<span>0=h;</span><span>1=é;</span>"
    );
    assert_eq!(
        plain(t, json!({"list": 2})),
        "<span>0=0;</span><span>1=1;</span>"
    );
    assert_eq!(plain(t, json!({"list": {"x": 1}})), "<span>0=1;</span>");
    assert_eq!(plain(t, json!({"list": null})), "");
    let nested = r#"<view wx:for="{{rows}}" wx:for-item="row" wx:for-index="r"><text wx:for="{{row}}" wx:for-item="cell">{{r}}.{{index}}:{{cell}} </text></view>"#;
    assert_eq!(
        plain(nested, json!({"rows": [[1, 2], [3]]})),
        "<div><span>0.0:1 </span><span>0.1:2 </span></div><div><span>1.0:3 </span></div>"
    );
}

#[test]
fn keyed_items_carry_their_key() {
    let t = r#"<view wx:for="{{list}}" wx:key="id">{{item.t}}</view><view wx:for="{{tags}}" wx:key="*this">{{item}}</view>"#;
    let tree = tree_with(
        t,
        json!({"list": [{"id": 7, "t": "a"}], "tags": ["x"]}),
        RenderLimits::default(),
    )
    .unwrap();
    let keys: Vec<Option<String>> = tree
        .nodes
        .iter()
        .map(|n| match n {
            VNode::Element(e) => e.key.clone(),
            VNode::Text(_) => None,
        })
        .collect();
    assert_eq!(keys, [Some("7".into()), Some("x".into())]);
}

#[test]
fn templates_see_only_their_data() {
    let t = r#"<template name="row"><text>{{title}}/{{secret}}/{{index}}</text></template><template is="row" data="{{...item, index: 2}}"/>"#;
    assert_eq!(
        plain(t, json!({"item": {"title": "T"}, "secret": "S"})),
        "<span>T//2</span>"
    );
    let err = tree_with(
        r#"<template is="nope"/>"#,
        json!({}),
        RenderLimits::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("no template named `nope`"),
        "{err}"
    );
}

#[test]
fn a_template_that_uses_itself_stops_at_the_nesting_limit() {
    let t = r#"<template name="r"><view><template is="r"/></view></template><template is="r"/>"#;
    let err = tree_with(t, json!({}), RenderLimits::default()).unwrap_err();
    assert_eq!(
        err,
        RenderError::Limit {
            what: "template and include nesting",
            limit: 16
        }
    );
}

#[test]
fn datasets_keep_their_types_and_camel_case() {
    let tree = tree_with(
        r#"<view data-count="{{3}}" data-user-name="ada" data-item="{{item}}"/>"#,
        json!({"item": {"a": [1]}}),
        RenderLimits::default(),
    )
    .unwrap();
    let VNode::Element(e) = &tree.nodes[0] else {
        panic!()
    };
    assert_eq!(
        Json::Object(
            e.dataset
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        ),
        json!({"count": 3, "userName": "ada", "item": {"a": [1]}})
    );
}

#[test]
fn limits_fail_the_render_with_the_limit_named() {
    let small = RenderLimits {
        items_per_for: 3,
        nodes: 5,
        ..RenderLimits::default()
    };
    let err = tree_with(
        r#"<view wx:for="{{l}}"/>"#,
        json!({"l": [1, 2, 3, 4]}),
        small,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "render limit reached: items of one wx:for (limit 3)"
    );
    let err = tree_with(r#"<view wx:for="{{l}}"/>"#, json!({"l": 1e12}), small).unwrap_err();
    assert!(err.to_string().contains("items of one wx:for"));
    let err = tree_with(
        r#"<view wx:for="{{l}}"><text>x</text></view>"#,
        json!({"l": 3}),
        small,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "render limit reached: nodes per page (limit 5)"
    );
    let bytes = RenderLimits {
        output_bytes: 10,
        ..RenderLimits::default()
    };
    let err = tree_with("<text>{{s}}</text>", json!({"s": "x".repeat(11)}), bytes).unwrap_err();
    assert!(err.to_string().contains("bytes of text and attributes"));
}

/// Untrusted data and templates never produce script, handlers, foreign
/// URLs or style escapes.
#[test]
fn injection_attempts_stay_inert() {
    let evil = [
        "<script>alert(1)</script>",
        "\" onmouseover=\"alert(1)",
        "' onfocus='alert(1)",
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "https://evil.example/x.png",
        "//evil.example/x.png",
        "</div><img src=x onerror=alert(1)>",
        "red;background:url(https://evil.example/leak)",
        "expression(alert(1))",
        "&lt;script&gt;",
    ];
    let t = r#"<view class="{{v}}" id="{{v}}" style="color:{{v}}"><image src="{{v}}"/><navigator url="{{v}}">{{v}}</navigator><input value="{{v}}" placeholder="{{v}}"/><textarea value="{{v}}"/><text>{{v}}</text></view>"#;
    for v in evil {
        let out = html(t, json!({ "v": v }));
        for (tag, attributes) in tags(&out) {
            assert!(
                ["div", "img", "a", "input", "textarea", "span"].contains(&tag.as_str()),
                "{v}: tag {tag} in {out}"
            );
            for (name, value) in attributes {
                assert!(
                    SAFE_ATTRIBUTES.contains(&name.as_str()),
                    "{v}: {name} in {out}"
                );
                let value = value.to_ascii_lowercase();
                if name == "src" {
                    assert!(
                        !value.contains(':') && !value.starts_with("//"),
                        "{v}: {out}"
                    );
                }
                if name == "style" {
                    assert!(
                        !value.contains("url(") && !value.contains("expression("),
                        "{v}: {out}"
                    );
                }
            }
        }
    }
    // A declared origin and a package asset do load.
    let ok = html(
        r#"<image src="{{a}}"/><image src="/img/b.png"/>"#,
        json!({"a": "https://cdn.example.com/a.png"}),
    );
    assert!(
        ok.contains("src=\"https://cdn.example.com/a.png\"") && ok.contains("src=\"/img/b.png\""),
        "{ok}"
    );
}

#[test]
fn markup_in_templates_is_refused_before_anything_renders() {
    for t in [
        "<script>alert(1)</script>",
        "<view onclick=\"alert(1)\"/>",
        "<iframe src=\"https://evil.example\"/>",
        "<view style=\"x\" bindtap=\"alert(1)\"/>",
        "<view>{{ constructor.constructor('alert(1)')() }}</view>",
        "<style>body{}</style>",
    ] {
        assert!(parse("p.wxml", t, &Limits::default()).is_err(), "{t}");
    }
    // `<a>` is WeChat's inline text: its `href` is undocumented there,
    // warned of and dropped, so no link reaches the page.
    let a = parse(
        "p.wxml",
        "<a href=\"javascript:alert(1)\">x</a>",
        &Limits::default(),
    )
    .unwrap();
    assert!(a.warnings[0].message.contains("`href` on `<a>`"), "{a:?}");
    let html = to_html(&render(&a, &json!({}), &crate::testing::bare_context()).unwrap());
    assert!(
        !html.contains("href") && !html.contains("javascript"),
        "{html}"
    );
}

/// Attributes the HTML may carry.
const SAFE_ATTRIBUTES: &[&str] = &[
    "data-nid",
    "data-mp",
    "id",
    "class",
    "style",
    "hidden",
    "src",
    "value",
    "placeholder",
    "maxlength",
    "disabled",
    "checked",
    "type",
    "role",
    "max",
    "data-url",
    "data-password",
];

/// The tags of `html` and their attributes (name, unescaped-quote value),
/// read as a browser would: text never holds a raw `<`, and values end at
/// their quote.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if rest.starts_with('/') {
            rest = &rest[rest.find('>').unwrap() + 1..];
            continue;
        }
        let name_end = rest.find([' ', '>']).unwrap();
        let tag = rest[..name_end].to_string();
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('>') {
                rest = after;
                break;
            }
            let eq = rest.find('=').unwrap();
            let name = rest[..eq].to_string();
            let value_start = &rest[eq + 1..];
            assert!(value_start.starts_with('"'), "unquoted value in {html}");
            let close = value_start[1..].find('"').unwrap();
            attributes.push((name, value_start[1..1 + close].to_string()));
            rest = &value_start[close + 2..];
        }
        out.push((tag, attributes));
    }
    out
}

mod diffs {
    use serde_json::{Value as Json, json};

    use super::tree_with;
    use crate::diff::{Op, apply, diff, max_id};
    use crate::render::{RenderLimits, Tree, VNode};

    const LIST: &str = r#"<view class="list {{mode}}">
  <text wx:if="{{title}}">{{title}}</text>
  <view wx:for="{{items}}" wx:key="id" class="item {{item.done ? 'done' : ''}}">
    <input value="{{item.t}}"/><text>{{item.t}}</text>
  </view>
  <text wx:for="{{tags}}">{{item}}</text>
  <view wx:if="{{!items.length}}">empty</view><view wx:else>{{items.length}} items</view>
</view>"#;

    fn render(data: &Json) -> Tree {
        tree_with(LIST, data.clone(), RenderLimits::default()).unwrap()
    }

    /// Ids of the keyed items, in order.
    fn item_ids(tree: &Tree) -> Vec<u32> {
        let VNode::Element(list) = &tree.nodes[0] else {
            panic!()
        };
        list.children
            .iter()
            .filter_map(|n| match n {
                VNode::Element(e) if e.key.is_some() => Some(e.id),
                _ => None,
            })
            .collect()
    }

    fn items(ids: &[u64], done: u64) -> Json {
        Json::Array(
            ids.iter()
                .map(|id| json!({"id": id, "t": format!("t{id}"), "done": id % done == 0}))
                .collect(),
        )
    }

    #[test]
    fn a_keyed_item_that_moves_is_moved_not_recreated() {
        let old = render(&json!({"items": items(&[1, 2, 3], 99)}));
        let mut new = render(&json!({"items": items(&[3, 1, 2], 99)}));
        let mut next = max_id(&old) + 1;
        let ops = diff(&old, &mut new, &mut next);
        let before = item_ids(&old);
        assert_eq!(item_ids(&new), [before[2], before[0], before[1]]);
        assert!(
            ops.iter().all(|op| matches!(op, Op::Move { .. })),
            "{ops:?}"
        );
        assert_eq!(ops.len(), 1, "one move puts 3 first: {ops:?}");
        let mut replayed = old.clone();
        apply(&mut replayed, &ops, &new).unwrap();
        assert_eq!(replayed, new);
    }

    #[test]
    fn toggling_one_item_sets_one_attribute() {
        let ids: Vec<u64> = (0..1000).collect();
        let old = render(&json!({"items": items(&ids, 5000)}));
        let mut data = json!({"items": items(&ids, 5000)});
        data["items"][500]["done"] = json!(true);
        let mut new = render(&data);
        let mut next = max_id(&old) + 1;
        let ops = diff(&old, &mut new, &mut next);
        assert_eq!(ops.len(), 1, "{ops:?}");
        assert!(
            matches!(&ops[0], Op::SetAttr { name, value: Some(v), .. } if name == "class" && v == "item done")
        );
        assert!(serde_json::to_string(&ops).unwrap().len() <= 256);
    }

    /// For random pairs of data, applying `diff(a, b)` to `a` gives `b`.
    #[test]
    fn applying_the_diff_gives_the_new_render() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let random_data = |next: &mut dyn FnMut(u64) -> u64| {
            let count = next(8);
            let mut ids: Vec<u64> = (0..count).map(|_| next(10)).collect();
            ids.sort_unstable();
            ids.dedup();
            // Shuffle.
            for i in (1..ids.len()).rev() {
                let j = next(i as u64 + 1) as usize;
                ids.swap(i, j);
            }
            let tags: Vec<Json> = (0..next(4))
                .map(|i| json!(format!("g{}", next(3) + i)))
                .collect();
            let mode = ["a", "b", ""][next(3) as usize];
            json!({
                "mode": mode,
                "title": if next(2) == 0 { json!(null) } else { json!(format!("T{}", next(3))) },
                "items": items(&ids, next(3) + 1),
                "tags": tags,
            })
        };
        for round in 0..400 {
            let a = random_data(&mut next);
            let b = random_data(&mut next);
            let old = render(&a);
            // What the old tree holds, counted before it is edited (an
            // edit must forget the count along its path).
            old.held_bytes();
            let mut new = render(&b);
            let mut next_id = max_id(&old) + 1;
            let ops = diff(&old, &mut new, &mut next_id);
            let mut replayed = old.clone();
            apply(&mut replayed, &ops, &new)
                .unwrap_or_else(|e| panic!("round {round}: {e}\n{a}\n{b}\n{ops:?}"));
            assert_eq!(replayed, new, "round {round}:\n{a}\n{b}\n{ops:?}");
            assert_eq!(
                replayed.held_bytes(),
                render(&b).held_bytes(),
                "round {round}"
            );
            // Ids stay unique.
            let mut seen = std::collections::HashSet::new();
            let mut stack: Vec<&VNode> = new.nodes.iter().collect();
            while let Some(node) = stack.pop() {
                assert!(
                    seen.insert(node.id()),
                    "round {round}: id {} twice",
                    node.id()
                );
                if let VNode::Element(e) = node {
                    stack.extend(&e.children);
                }
            }
        }
    }
}

/// `render_changed` from a previous render and the paths set since gives
/// what a full render gives: the same tree and the same operations once
/// diffed against the previous render.
mod incremental {
    use std::sync::Arc;

    use serde_json::{Value as Json, json};

    use super::template;
    use crate::deps::{Step, parse_path};
    use crate::diff::{diff, max_id};
    use crate::html::to_html;
    use crate::render::{Changes, Tree, VNode, render, render_changed};

    const PAGE: &str = r#"<template name="tag"><text class="tag">{{name}}:{{n}}</text></template>
<view class="page {{filter}}">
  <text wx:if="{{title}}">{{title}} ({{items.length}})</text>
  <view wx:for="{{items}}" wx:key="id" class="item {{item.done ? 'done' : ''}} {{filter}}" data-id="{{item.id}}">
    <text>{{item.t}}</text>
    <text wx:if="{{item.done && showDone}}">done</text>
    <text wx:for="{{item.tags}}" wx:for-item="tag" wx:key="*this">{{tag}}{{index}}/{{item.id}}</text>
    <template is="tag" data="{{name: item.t, n: index}}"/>
  </view>
  <block wx:for="{{rows}}" wx:for-item="row" wx:for-index="r">
    <text>row {{r}}</text>
    <view wx:for="{{row}}" wx:for-item="cell">{{r}}.{{index}}={{cell}}{{sep}}</view>
  </block>
  <text wx:for="{{words}}" wx:key="*this">{{item}}</text>
  <view wx:for="{{grid}}" wx:for-item="line"><text wx:for="{{line.cells}}">{{item.v}}{{line.name}}</text></view>
  <view wx:if="{{!items.length}}">empty</view>
</view>"#;

    /// A small xorshift generator: `next(n)` is in `0..n`.
    struct Random(u64);

    impl Random {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n.max(1)
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.next(from.len() as u64) as usize]
        }

        fn list(&mut self, most: u64, mut make: impl FnMut(&mut Random) -> Json) -> Json {
            let n = self.next(most + 1);
            Json::Array((0..n).map(|_| make(self)).collect())
        }

        fn item(&mut self) -> Json {
            let tags = self.list(3, |r| json!(r.pick(&["a", "b", "c", "d"])));
            json!({"id": self.next(6), "t": format!("t{}", self.next(4)), "done": self.next(2) == 0, "tags": tags})
        }

        fn data(&mut self) -> Json {
            json!({
                "filter": self.pick(&["all", "active", ""]),
                "title": if self.next(3) == 0 { json!(null) } else { json!(format!("T{}", self.next(3))) },
                "showDone": self.next(2) == 0,
                "sep": self.pick(&[";", ","]),
                "items": self.list(5, Random::item),
                "rows": self.list(3, |r| r.list(3, |r| json!(r.next(9)))),
                "words": self.list(4, |r| json!(r.pick(&["x", "y", "z", "w"]))),
                "grid": self.list(3, |r| json!({"name": r.pick(&["p", "q"]), "cells": r.list(3, |r| json!({"v": r.next(5)}))})),
            })
        }

        /// A random set-data key and a value for it.
        fn patch(&mut self, data: &Json) -> (String, Json) {
            let len = |key: &str| data[key].as_array().map_or(0, Vec::len) as u64;
            let i = self.next(len("items") + 1);
            let r = self.next(len("rows") + 1);
            let g = self.next(len("grid") + 1);
            let w = self.next(len("words") + 1);
            match self.next(18) {
                0 => ("filter".into(), json!(self.pick(&["all", "active", ""]))),
                1 => ("title".into(), json!(self.pick(&["A", "B", ""]))),
                2 => ("showDone".into(), json!(self.next(2) == 0)),
                3 => ("sep".into(), json!(self.pick(&[";", ","]))),
                4 => ("items".into(), self.list(5, Random::item)),
                5 => (format!("items[{i}]"), self.item()),
                6 => (format!("items[{i}].done"), json!(self.next(2) == 0)),
                7 => (format!("items[{i}].t"), json!(format!("t{}", self.next(4)))),
                8 => (format!("items[{i}].id"), json!(self.next(6))),
                9 => (
                    format!("items[{i}].tags[{}]", self.next(3)),
                    json!(self.pick(&["a", "e"])),
                ),
                10 => (
                    "rows".into(),
                    self.list(3, |r| r.list(3, |r| json!(r.next(9)))),
                ),
                11 => (format!("rows[{r}]"), self.list(3, |r| json!(r.next(9)))),
                12 => (format!("rows[{r}][{}]", self.next(3)), json!(self.next(9))),
                13 => (format!("words[{w}]"), json!(self.pick(&["x", "y", "v"]))),
                14 => (
                    format!("grid[{g}].name"),
                    json!(self.pick(&["p", "q", "s"])),
                ),
                15 => (
                    format!("grid[{g}].cells[{}].v", self.next(3)),
                    json!(self.next(5)),
                ),
                16 => (
                    format!("grid[{g}].cells"),
                    self.list(3, |r| json!({"v": r.next(5)})),
                ),
                _ => ("words".into(), self.list(4, |r| json!(r.pick(&["x", "y"])))),
            }
        }
    }

    /// Set `value` at `steps` as the runtime does (an index may append);
    /// false if the path does not reach.
    fn set(data: &mut Json, steps: &[Step], value: Json) -> bool {
        let Some((last, parents)) = steps.split_last() else {
            return false;
        };
        let mut node = data;
        for step in parents {
            let next = match (step, node) {
                (Step::Key(k), Json::Object(fields)) => fields.get_mut(k),
                (Step::Index(i), Json::Array(items)) => items.get_mut(*i),
                _ => None,
            };
            match next {
                Some(next) => node = next,
                None => return false,
            }
        }
        match (last, node) {
            (Step::Key(k), Json::Object(fields)) => {
                fields.insert(k.clone(), value);
            }
            (Step::Index(i), Json::Array(items)) if *i < items.len() => items[*i] = value,
            (Step::Index(i), Json::Array(items)) if *i == items.len() => items.push(value),
            _ => return false,
        }
        true
    }

    /// Elements of `new` shared with `old` (reused, not rendered again).
    fn shared(old: &Tree, new: &Tree) -> usize {
        fn collect(nodes: &[VNode], out: &mut Vec<*const crate::render::VElement>) {
            for node in nodes {
                if let VNode::Element(e) = node {
                    out.push(Arc::as_ptr(e));
                    collect(&e.children, out);
                }
            }
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        collect(&old.nodes, &mut a);
        collect(&new.nodes, &mut b);
        b.iter().filter(|p| a.contains(p)).count()
    }

    #[test]
    fn render_changed_gives_what_a_full_render_gives() {
        let page = template(PAGE);
        let context = crate::testing::bare_context();
        let mut random = Random(0x2545_f491_4f6c_dd1d);
        let mut reused = 0;
        for case in 0..300 {
            let mut data = random.data();
            let mut previous = render(&page, &data, &context).unwrap();
            let mut next_id = max_id(&previous) + 1;
            for round in 0..6 {
                let mut keys = Vec::new();
                for _ in 0..random.next(4) {
                    let (key, value) = random.patch(&data);
                    if set(&mut data, &parse_path(&key).unwrap(), value) {
                        keys.push(key);
                    }
                }
                let changes = Changes::from_keys(&keys);
                let mut full = render(&page, &data, &context).unwrap();
                let mut incremental =
                    render_changed(&page, &data, &context, &previous, &changes).unwrap();
                reused += shared(&previous, &incremental);
                let (mut full_next, mut next) = (next_id, next_id);
                let full_ops = diff(&previous, &mut full, &mut full_next);
                let ops = diff(&previous, &mut incremental, &mut next);
                let what = format!("case {case} round {round}: {keys:?}\n{data}");
                assert_eq!(incremental, full, "{what}");
                assert_eq!(ops, full_ops, "{what}");
                assert_eq!(next, full_next, "{what}");
                assert_eq!(to_html(&incremental), to_html(&full), "{what}");
                // What it holds, counted from the reused parts' own counts.
                assert_eq!(incremental.held_bytes(), full.held_bytes(), "{what}");
                previous = incremental;
                next_id = next;
            }
        }
        assert!(reused > 1000, "only {reused} elements were reused");
    }
}
