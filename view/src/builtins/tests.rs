use std::collections::BTreeSet;

use serde_json::{Value as Json, json};

use super::*;
use crate::render::{Context, RenderLimits, render};
use crate::testing::{parsed as ok, template_errors as errors, template_warnings as warnings};
use crate::{Limits, html, parse, safety};

fn html_of(source: &str, data: &Json, origins: &[String]) -> String {
    let template = ok(source);
    let files = Default::default();
    let context = Context::new(&files, origins, RenderLimits::default());
    html::to_html(&render(&template, data, &context).unwrap())
}

#[test]
fn the_component_list_is_the_table() {
    let names: Vec<&str> = builtins().iter().map(|b| b.name).collect();
    assert_eq!(names, COMPONENTS);
    for refused in table::REFUSED {
        assert!(builtin(refused.name).is_none(), "{}", refused.name);
    }
}

#[test]
fn the_renderer_knows_each_kind_the_table_gives() {
    for builtin in builtins() {
        for attribute in builtin.attributes.iter().chain(common_attributes()) {
            let name = attribute.name;
            // A component's own attribute of a common name (a movable-view's
            // `animation`) is the one it takes.
            if super::attribute(builtin, name) != Some(*attribute) {
                continue;
            }
            let flag = safety::is_flag(builtin.name, name);
            assert_eq!(
                safety::is_boolean_attribute(name) && !flag,
                attribute.kind == Kind::Bool,
                "<{}> {name}",
                builtin.name
            );
            assert_eq!(
                flag,
                attribute.kind == Kind::Flag,
                "<{}> {name}",
                builtin.name
            );
            if attribute.kind == Kind::Url {
                assert!(safety::is_checked(name), "{name}");
            }
        }
    }
}

#[test]
fn every_documented_event_is_delivered_silent_or_refused_by_name() {
    let input = builtin("input").unwrap();
    assert_eq!(event(input, "input"), Some(EventSupport::Delivered));
    assert!(matches!(
        event(input, "keyboardheightchange"),
        Some(EventSupport::Silent(why)) if why.contains("keyboard")
    ));
    assert_eq!(event(input, "nicknamereview"), Some(EventSupport::NotYet));
    assert_eq!(event(input, "hover"), None);
    let navigator = builtin("navigator").unwrap();
    assert_eq!(event(navigator, "success"), Some(EventSupport::NotYet));
    // An event of another component only is not documented here.
    assert_eq!(event(navigator, "keyboardheightchange"), None);
    ok(r#"<input bindkeyboardheightchange="onKeyboard" bind:touchforcechange="onForce"/>"#);
    assert_eq!(
        errors(r#"<navigator url="/pages/a" bindsuccess="onGone">a</navigator>"#),
        ["1:27: the `success` event of `<navigator>` is not supported yet"]
    );
    assert_eq!(
        errors(r#"<view bindanimationend="onEnd"/>"#),
        ["1:7: the `animationend` event of `<view>` is not supported yet"]
    );
}

#[test]
fn documented_attributes_of_the_seventeen_are_accepted() {
    let t = ok(
        r#"<scroll-view scroll-y scroll-with-animation enable-back-to-top refresher-default-style="white">
  <input cursor-spacing="20" confirm-hold adjust-position="{{false}}" type="digit" aria-label="Amount"/>
  <textarea disable-default-padding show-confirm-bar="{{false}}" confirm-type="return"/>
  <image src="/a.png" mode="heightFix" webp fade-in/>
  <button open-type="share" lang="zh_CN" hover-stay-time="70" aria-role="button">Share</button>
  <navigator url="/pages/a" version="release" hover-start-time="20">a</navigator>
  <progress percent="20" border-radius="3" active-mode="forwards"/>
</scroll-view>"#,
    );
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn an_undocumented_attribute_warns_with_its_place_and_the_closest_and_is_dropped() {
    assert_eq!(
        warnings("<view>\n  <image srcset=\"x\" src=\"/a.png\"/></view>"),
        [
            "2:10: unknown attribute `srcset` on `<image>` (WeChat does not document it there; \
          it is dropped); did you mean `src`?"
        ]
    );
    assert_eq!(
        warnings(r#"<scroll-view scroll-with-animaton/>"#),
        [
            "1:14: unknown attribute `scroll-with-animaton` on `<scroll-view>` (WeChat does \
          not document it there; it is dropped); did you mean `scroll-with-animation`?"
        ]
    );
    let far = warnings(r#"<view frobnicate="1"/>"#);
    assert!(far[0].ends_with("it is dropped)"), "{far:?}");
    let html = html_of(r#"<image srcset="x" src="/a.png"/>"#, &json!({}), &[]);
    assert!(!html.contains("srcset"), "{html}");
    assert!(html.contains("src=\"/a.png\""), "{html}");
}

#[test]
fn a_value_of_the_wrong_kind_is_refused_naming_what_it_takes() {
    assert_eq!(
        errors(r#"<button type="danger">x</button>"#),
        ["1:9: `type` on `<button>`: `danger` is not one of: primary, default, warn"]
    );
    assert_eq!(
        errors(r#"<input maxlength="many"/>"#),
        ["1:8: `maxlength` on `<input>`: `many` is not a number"]
    );
    // A binding is checked by the renderer, not here.
    ok(r#"<button type="{{kind}}">x</button>"#);
}

#[test]
fn open_types_whose_flow_the_host_does_not_run_are_refused_saying_why() {
    let e = errors(r#"<button open-type="launchApp">Open</button>"#);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("1:9: `open-type=\"launchApp\"` on `<button>` is not supported: ")
            && e[0].contains("no native apps"),
        "{e:?}"
    );
    for value in ["feedback", "getRealtimePhoneNumber", "liveActivity"] {
        let e = errors(&format!(r#"<button open-type="{value}">x</button>"#));
        assert!(e[0].contains(&format!("`open-type=\"{value}\"`")), "{e:?}");
    }
    // The flows the host runs, and their result events, are accepted.
    ok(
        r#"<button open-type="getPhoneNumber" bindgetphonenumber="onPhone">x</button>
<button open-type="chooseAvatar" bindchooseavatar="onAvatar">x</button>
<button open-type="agreePrivacyAuthorization" bindagreeprivacyauthorization="onAgree">x</button>"#,
    );
}

#[test]
fn wechat_components_the_host_does_not_draw_are_refused_saying_why() {
    let map = errors("<map/>");
    assert_eq!(
        map,
        ["1:2: `<map>` is not offered by this host: no host profile of this build offers it"]
    );
    for tag in [
        "web-view",
        "canvas",
        "ad",
        "open-data",
        "live-player",
        "live-pusher",
    ] {
        let e = errors(&format!("<{tag}/>"));
        assert!(e[0].contains("no host profile"), "{tag}: {e:?}");
    }
    for tag in ["share-element", "editor"] {
        let e = errors(&format!("<{tag}/>"));
        assert!(e[0].ends_with("is not supported yet"), "{e:?}");
    }
}

#[test]
fn span_i_and_a_render_as_inert_inline_text() {
    let t = ok(
        r#"<view><span class="s">one</span><i>two</i><a href="https://evil.example/" target="_blank" bindtap="onA">three</a></view>"#,
    );
    assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
    // Only the events every component fires.
    assert_eq!(
        errors(r#"<a bindinput="onInput">x</a>"#),
        [
            "1:4: unknown event `input` (expected one of: tap, longpress, touchstart, \
          touchmove, touchend, touchcancel)"
        ]
    );
    assert!(t.warnings[0].message.contains("`href` on `<a>`"));
    let html = html_of(
        r#"<span class="s">one</span><i>two</i><a href="https://evil.example/">three</a>"#,
        &json!({}),
        &[],
    );
    assert_eq!(
        html,
        "<span data-nid=\"1\" data-mp=\"span\" class=\"s\"><span data-nid=\"2\">one</span></span>\
         <i data-nid=\"3\" data-mp=\"i\"><span data-nid=\"4\">two</span></i>\
         <a data-nid=\"5\" data-mp=\"a\"><span data-nid=\"6\">three</span></a>"
    );
}

#[test]
fn aria_labels_reach_the_page() {
    let html = html_of(
        r#"<view aria-label="{{label}}" aria-hidden="true" aria-role="img"/>"#,
        &json!({"label": "Close \"x\""}),
        &[],
    );
    assert_eq!(
        html,
        "<div data-nid=\"1\" data-mp=\"view\" aria-label=\"Close &quot;x&quot;\" aria-hidden=\"true\"></div>"
    );
}

/// A small deterministic generator (xorshift), so the property test needs
/// no crate and fails the same way every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// Values an attacker would put in an attribute.
const HOSTILE: &[&str] = &[
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://evil.example/x.png",
    "//evil.example/x.png",
    "http://evil.example",
    "\"><script>alert(1)</script>",
    "' onerror='alert(1)",
    "x\" onload=\"alert(1)",
    "background:url(https://evil.example/x)",
    "<img src=x onerror=alert(1)>",
    "vbscript:x",
    "/%2e%2e/%2e%2e/api",
    "",
    "true",
    "12",
];

/// Every drawn component with every documented attribute bound to random
/// hostile values: the HTML never carries a script, an event-handler
/// attribute, or a URL outside the package and its origins.
#[test]
fn no_attribute_value_brings_a_script_a_handler_or_a_foreign_url() {
    let origins = ["https://cdn.example.com".to_string()];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..40 {
        for builtin in builtins() {
            let mut source = format!("<{}", builtin.name);
            let mut data = serde_json::Map::new();
            let attributes = builtin.attributes.iter().chain(common_attributes());
            for (n, attribute) in attributes.enumerate() {
                if attribute.name == "animation" {
                    continue;
                }
                source.push_str(&format!(" {}=\"{{{{v{n}}}}}\"", attribute.name));
                let mut value = rng.pick(HOSTILE).to_string();
                if rng.next().is_multiple_of(3) {
                    value.push(char::from_u32((rng.next() % 0x250) as u32).unwrap_or('x'));
                }
                data.insert(format!("v{n}"), Json::String(value));
            }
            source.push_str(&format!(" data-x=\"{{{{v0}}}}\">t</{}>", builtin.name));
            let html = html_of(&source, &Json::Object(data), &origins);
            assert!(!html.contains("<script"), "round {round}: {html}");
            for (name, value) in attributes_of(&html) {
                let ours = name.starts_with("data-") || drawn_names().contains(name.as_str());
                assert!(
                    ours && !name.starts_with("on"),
                    "round {round}: attribute {name} in {html}"
                );
                let lower = value.to_ascii_lowercase();
                let safe_url = match name.as_str() {
                    "src" | "poster" | "data-poster" => safety::url(&value, &origins),
                    // A navigator's url: a page of the app (empty: none).
                    "data-url" => safety::attribute("navigator", "url", value.clone(), &[])
                        .is_some_and(|_| !lower.contains(':') && !lower.starts_with("//")),
                    _ => true,
                };
                assert!(safe_url, "round {round}: {name}={value} in {html}");
                // A picker-view's indicator and mask styles are styles too.
                if matches!(
                    name.as_str(),
                    "style"
                        | "data-indicator-style"
                        | "data-mask-style"
                        | "data-overlay-style"
                        | "data-custom-style"
                ) {
                    assert_inert_style(round, &value, &html);
                }
            }
        }
    }
}

/// A style's declarations' values never fetch or run anything (a property
/// named `javascript` is only an unknown property).
fn assert_inert_style(round: u32, style: &str, html: &str) {
    let lower = style.to_ascii_lowercase();
    for declaration in lower.split(';') {
        let value = declaration.split_once(':').map_or("", |(_, v)| v);
        for bad in ["url(", "javascript:", "expression("] {
            assert!(!value.contains(bad), "round {round}: {lower} in {html}");
        }
    }
}

/// The attributes in `html`, names and values unescaped (values are
/// always double-quoted).
fn attributes_of(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_tag = false;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            in_tag = true;
        } else if c == '>' {
            in_tag = false;
        } else if in_tag && c == ' ' {
            let at = &rest[1..];
            if let Some(eq) = at.find("=\"") {
                let name = at[..eq].to_string();
                let value_start = eq + 2;
                let end = value_start + at[value_start..].find('"').expect("closed");
                let value = at[value_start..end]
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&");
                out.push((name, value));
                rest = &at[end + 1..];
                continue;
            }
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Every HTML attribute the table can write: drawn ones and fixed ones.
fn drawn_names() -> BTreeSet<&'static str> {
    let mut names = BTreeSet::new();
    for builtin in builtins() {
        for attribute in builtin.attributes.iter().chain(common_attributes()) {
            if let Effect::Drawn(html) = attribute.effect {
                names.insert(html);
            }
        }
        for pair in builtin.html.1.split_whitespace() {
            names.extend(pair.split_once('=').map(|(n, _)| n));
        }
    }
    names
}

/// The simulator builds only allowlisted tags and attributes: each the
/// table draws is on its lists, or it would be dropped there.
#[test]
fn the_simulator_allows_every_tag_and_attribute_the_table_draws() {
    let sim = include_str!("../../../dev/static/sim.js");
    let list = |name: &str| -> BTreeSet<String> {
        let start = sim.find(&format!("const {name} = new Set([")).expect(name);
        let end = start + sim[start..].find("]);").expect(name);
        sim[start..end]
            .split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let tags = list("TAGS");
    let attributes = list("ATTRIBUTES");
    for builtin in builtins() {
        assert!(tags.contains(builtin.html.0), "{} in TAGS", builtin.html.0);
    }
    for (tag, _) in crate::rich_text::tags() {
        assert!(tags.contains(tag), "rich-text's {tag} in TAGS");
    }
    for name in crate::rich_text::HTML_ATTRIBUTES {
        assert!(
            attributes.contains(*name),
            "rich-text's {name} in ATTRIBUTES"
        );
    }
    for name in drawn_names() {
        assert!(
            name.starts_with("data-") || attributes.contains(name),
            "{name} in ATTRIBUTES"
        );
    }
}

/// Every template the examples and `miniapp new` ship still parses, with
/// no warning.
#[test]
fn the_shipped_templates_parse_without_warnings() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut found = 0;
    let mut stack = vec![
        std::path::PathBuf::from(root).join("guest-examples"),
        std::path::PathBuf::from(root).join("cli/templates"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.ends_with("target") {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "wxml") {
                let source = std::fs::read_to_string(&path).unwrap();
                let file = path.display().to_string();
                // As the package check parses them: custom tags are the
                // components' (their declarations checked there).
                let limits = Limits {
                    custom_components: true,
                    ..Limits::default()
                };
                let template =
                    parse(&file, &source, &limits).unwrap_or_else(|e| panic!("{file}: {e:?}"));
                assert_eq!(template.warnings, [], "{file}");
                found += 1;
            }
        }
    }
    assert!(found > 20, "{found} templates");
}

/// The committed page is what the table renders.
#[test]
fn components_page_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/components.md");
    let page = page();
    if std::env::var_os("MINIAPP_BLESS").is_some() {
        std::fs::write(path, &page).expect("write docs/components.md");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/components.md is not what view/src/builtins/table.rs renders; \
         regenerate it with `MINIAPP_BLESS=1 cargo test -p miniapp-view --lib builtins`"
    );
}

/// Pieces of markup an attacker would put in a rich-text's `nodes`.
const HOSTILE_TAGS: &[&str] = &[
    "script", "style", "iframe", "svg", "math", "object", "embed", "form", "input", "textarea",
    "base", "meta", "link", "template", "noscript", "img", "a", "p", "div", "table", "td", "b",
];
const HOSTILE_ATTRIBUTES: &[&str] = &[
    "onclick",
    "onerror",
    "src",
    "href",
    "style",
    "class",
    "width",
    "alt",
    "srcdoc",
    "formaction",
    "xlink:href",
    "colspan",
    "id",
    "hidden",
    "data-x",
    "dir",
    "start",
    "type",
];

/// Random hostile markup and node trees in a rich-text: the HTML has only
/// WeChat's allowed tags, only their allowed attributes, no script, no
/// handler and no URL outside the package and its origins.
#[test]
fn no_rich_text_nodes_bring_a_script_a_handler_or_a_foreign_url() {
    let origins = ["https://cdn.example.com".to_string()];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let allowed: BTreeSet<&str> = crate::rich_text::tags().map(|(t, _)| t).collect();
    for round in 0..300 {
        let mut markup = String::new();
        let mut tree = Vec::new();
        for _ in 0..(rng.next() % 12) {
            let tag = rng.pick(HOSTILE_TAGS);
            let mut attrs = serde_json::Map::new();
            markup.push_str(&format!("<{tag}"));
            for _ in 0..(rng.next() % 4) {
                let (name, value) = (rng.pick(HOSTILE_ATTRIBUTES), rng.pick(HOSTILE));
                let quote = if rng.next().is_multiple_of(2) {
                    "\""
                } else {
                    ""
                };
                markup.push_str(&format!(" {name}={quote}{value}{quote}"));
                attrs.insert(name.to_string(), Json::String(value.to_string()));
            }
            let text = rng.pick(HOSTILE);
            markup.push_str(&format!(">{text}"));
            if rng.next().is_multiple_of(2) {
                markup.push_str(&format!("</{}>", rng.pick(HOSTILE_TAGS)));
            }
            let child = serde_json::json!({"type": "text", "text": text});
            tree.push(serde_json::json!({"name": tag, "attrs": attrs, "children": [child]}));
        }
        for nodes in [Json::String(markup), Json::Array(tree)] {
            let data = serde_json::json!({ "n": nodes });
            let html = html_of(r#"<rich-text nodes="{{n}}"/>"#, &data, &origins);
            assert!(!html.contains("<script"), "round {round}: {html}");
            let opened = html.split('<').skip(1).filter(|t| !t.starts_with('/'));
            for tag in opened.map(|t| t.split([' ', '>']).next().unwrap_or("")) {
                let ours = allowed.contains(tag) || tag == "div" || tag == "span";
                assert!(ours, "round {round}: <{tag}> in {html}");
            }
            for (name, value) in attributes_of(&html) {
                let ours = ["data-nid", "data-mp"].contains(&name.as_str())
                    || crate::rich_text::HTML_ATTRIBUTES.contains(&name.as_str());
                assert!(ours, "round {round}: attribute {name} in {html}");
                if name == "src" {
                    assert!(safety::url(&value, &origins), "round {round}: {value}");
                }
                if name == "style" {
                    assert_inert_style(round, &value, &html);
                }
            }
        }
    }
}
