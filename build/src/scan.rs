//! The typed pages and components of a crate, read from its sources
//! without building or running anything: `src/**/*.rs` parsed with `syn`
//! (no macro expanded), each `#[page("ROUTE")]` impl read with the grammar
//! the SDK's macro uses (`sdk-macros/src/grammar.rs`, included here), each
//! `#[component("PATH")]` impl and `#[derive(Properties)]` struct with the
//! components' (`sdk-macros/src/component_grammar.rs`,
//! `property_grammar.rs`), kept when
//! `export_app!(App, pages = [...], components = [...])` exports its type.
//! What this finds is the meta the macros write into the component, so
//! the templates' handlers (and components' properties) are checked before
//! cargo runs.
//!
//! A file `syn` cannot parse or the scan may not read (a symlink out of
//! `src/`), or a page the macro would refuse, is left to cargo, whose
//! error says more (exit 1); so are pages made by other macros, which no
//! scan sees. Hidden files (`.#lib.rs`, an editor's lock) are not read.

use std::collections::BTreeMap;
use std::path::Path;

use miniapp_runtime::config::meta::{ComponentMeta, Meta, PageMeta, VERSION};
use miniapp_runtime::platform::views::page_stem;
use miniapp_view::ast::{BindingKind, Expr, Node, Pos, Template, Value};
use miniapp_view::builtins::closest;
use miniapp_view::deps::{Root, Step, expr_reads};
use miniapp_view::render::resolve;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Item, Token};

use crate::BuildError;
use crate::files::read_assets;

#[path = "../../sdk-macros/src/grammar.rs"]
#[allow(dead_code)]
mod grammar;

#[path = "../../sdk-macros/src/component_grammar.rs"]
#[allow(dead_code)]
mod component_grammar;

#[path = "../../sdk-macros/src/property_grammar.rs"]
mod property_grammar;

/// The typed pages a crate exports.
#[derive(Debug, Default, PartialEq)]
pub struct Scanned {
    /// The meta its macros write: each exported page's handlers, each
    /// exported component's entry.
    pub meta: Meta,
    /// Each exported page's typed data fields (`data = Type`), by route,
    /// when the scan found the type's `#[derive(PageData)]`.
    pub data: BTreeMap<String, Vec<String>>,
    /// Where each exported page's `#[page("ROUTE")]` names its route
    /// (`src/lib.rs:12:7`), by route.
    pub places: BTreeMap<String, String>,
}

/// A `#[page]` impl found in the sources.
struct Found {
    /// The last segment of its type's name (`Index`).
    ty: String,
    route: String,
    /// Where the route is written (`src/lib.rs:12:7`).
    place: String,
    handlers: Vec<String>,
    data: Option<String>,
}

/// A `#[component]` impl found in the sources.
struct FoundComponent {
    /// The last segment of its type's name (`Stepper`).
    ty: String,
    /// Its meta entry around its properties list ([`component_grammar::component_meta`]).
    head: String,
    tail: String,
    /// The last segment of its `properties = Type`, if given.
    properties: Option<String>,
    /// The last segments of its `behaviors = [field: Type]` types.
    behaviors: Vec<String>,
}

/// A `#[behavior]` impl found in the sources.
struct FoundBehavior {
    /// The last segment of its `properties = Type`, if given.
    properties: Option<String>,
    handlers: Vec<String>,
}

/// What the sources hold.
#[derive(Default)]
struct Sources {
    pages: Vec<Found>,
    components: Vec<FoundComponent>,
    /// `#[behavior]` impls, by the last segment of their type's name.
    behaviors: BTreeMap<String, FoundBehavior>,
    /// `#[derive(PageData)]` structs' fields, by the struct's name.
    data: BTreeMap<String, Vec<String>>,
    /// `#[derive(Properties)]` structs' meta lists, by the struct's name.
    properties: BTreeMap<String, String>,
    /// The page and component types `export_app!(_, pages = [...],
    /// components = [...])` names, if it does.
    exported: Option<Exported>,
}

/// What `export_app!` exports.
#[derive(Default)]
struct Exported {
    pages: Vec<String>,
    components: Vec<String>,
}

/// Scan the crate in `crate_dir`: `None` when its sources export no typed
/// pages, or a file does not parse or may not be read (cargo then says
/// why).
pub fn scan(crate_dir: &Path) -> Result<Option<Scanned>, BuildError> {
    // A hidden file is no module (an editor's lock file, `.#lib.rs`, is a
    // dangling symlink); a source the scan may not read (a symlink out of
    // src/) is left to cargo, which compiles it.
    let wanted = |name: &str| name.ends_with(".rs") && !name.starts_with('.');
    let Ok(files) = read_assets(&crate_dir.join("src"), "src/", wanted) else {
        return Ok(None);
    };
    let mut sources = Sources::default();
    for (path, bytes) in &files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Ok(None);
        };
        if !shallow(text) {
            return Ok(None);
        }
        let Ok(file) = syn::parse_file(text) else {
            return Ok(None);
        };
        read_items(path, &file.items, &mut sources);
    }
    let Some(exported) =
        (sources.exported.take()).filter(|e| !e.pages.is_empty() || !e.components.is_empty())
    else {
        return Ok(None);
    };
    let Some(components) = exported_components(&sources, &exported.components) else {
        return Ok(None);
    };
    let mut scanned = Scanned {
        meta: Meta {
            version: VERSION,
            ..Meta::default()
        },
        data: BTreeMap::new(),
        places: BTreeMap::new(),
    };
    scanned.meta.components = components;
    for page in sources
        .pages
        .into_iter()
        .filter(|p| exported.pages.contains(&p.ty))
    {
        if let Some(fields) = page.data.and_then(|d| sources.data.get(&d)) {
            scanned.data.insert(page.route.clone(), fields.clone());
        }
        scanned
            .places
            .entry(page.route.clone())
            .or_insert(page.place);
        let handlers = PageMeta {
            handlers: page.handlers,
        };
        scanned.meta.pages.entry(page.route).or_insert(handlers);
    }
    Ok(Some(scanned))
}

/// The meta entries of the exported components, as the macros write them;
/// `None` when one is not found or its properties type is not (left to
/// cargo, whose error says more).
fn exported_components(
    sources: &Sources,
    exported: &[String],
) -> Option<BTreeMap<String, ComponentMeta>> {
    let mut entries = BTreeMap::new();
    for ty in exported {
        let found = sources.components.iter().find(|c| &c.ty == ty)?;
        let properties = match &found.properties {
            Some(name) => sources.properties.get(name)?.as_str(),
            None => "[]",
        };
        let entry = format!("{{{}{properties}{}}}", found.head, found.tail);
        let mut parsed: BTreeMap<String, ComponentMeta> = serde_json::from_str(&entry).ok()?;
        // Its behaviors, merged as the host merges the macro's list (its
        // own declaration of a name wins).
        for name in &found.behaviors {
            let behavior = sources.behaviors.get(name)?;
            let properties = match &behavior.properties {
                Some(name) => sources.properties.get(name)?.as_str(),
                None => "[]",
            };
            let properties: Vec<miniapp_runtime::config::meta::Property> =
                serde_json::from_str(properties).ok()?;
            for meta in parsed.values_mut() {
                meta.behaviors
                    .push(miniapp_runtime::config::meta::BehaviorMeta {
                        name: Some(name.clone()),
                        properties: properties.clone(),
                        handlers: behavior.handlers.clone(),
                    });
            }
        }
        for (path, meta) in parsed.iter_mut() {
            meta.merge_behaviors(path).ok()?;
        }
        entries.extend(parsed);
    }
    Some(entries)
}

/// Deepest nesting of brackets in a source the scan reads: `syn` parses by
/// recursion, and a deeper file (`mod a { mod a { ...`) would overflow
/// the stack and abort the build; such a file is left to cargo.
const MAX_NESTING: usize = 128;

/// Whether `text` lexes and nests its brackets at most [`MAX_NESTING`]
/// deep (read without recursion: the lexer and this walk keep their own
/// stacks).
fn shallow(text: &str) -> bool {
    let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
        return false;
    };
    let mut pending = vec![(tokens, 0)];
    while let Some((stream, depth)) = pending.pop() {
        if depth > MAX_NESTING {
            return false;
        }
        for tree in stream {
            if let proc_macro2::TokenTree::Group(group) = tree {
                pending.push((group.stream(), depth + 1));
            }
        }
    }
    true
}

/// Read `items` of file `path` and the inline modules among them.
fn read_items(path: &str, items: &[Item], sources: &mut Sources) {
    for item in items {
        if test_only(item) {
            continue;
        }
        match item {
            Item::Impl(imp) => {
                if let Some(page) = read_page(path, imp) {
                    sources.pages.push(page);
                }
                if let Some(component) = read_component(imp) {
                    sources.components.push(component);
                }
                if let Some((ty, behavior)) = read_behavior(imp) {
                    sources.behaviors.insert(ty, behavior);
                }
            }
            Item::Struct(properties) if derives(&properties.attrs, "Properties") => {
                let input = syn::DeriveInput::from(properties.clone());
                if let Ok(fields) = property_grammar::property_fields(&input) {
                    let meta = property_grammar::properties_meta(&fields);
                    sources
                        .properties
                        .insert(properties.ident.to_string(), meta);
                }
            }
            Item::Struct(data) if derives(&data.attrs, "PageData") => {
                let input = syn::DeriveInput::from(data.clone());
                if let Ok(fields) = grammar::data_fields(&input) {
                    let keys = fields.into_iter().map(|f| f.key).collect();
                    sources.data.insert(data.ident.to_string(), keys);
                }
            }
            Item::Macro(call) if grammar::is_attr_path(&call.mac.path, "export_app") => {
                if let Ok(found) = exported.parse2(call.mac.tokens.clone()) {
                    let all = sources.exported.get_or_insert_with(Exported::default);
                    all.pages.extend(found.pages);
                    all.components.extend(found.components);
                }
            }
            Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    read_items(path, items, sources);
                }
            }
            _ => {}
        }
    }
}

/// Whether `item` is `#[cfg(test)]`: not in the built component, so not
/// in its meta (a test's own page type is not the app's).
fn test_only(item: &Item) -> bool {
    let attrs = match item {
        Item::Impl(imp) => &imp.attrs,
        Item::Mod(module) => &module.attrs,
        Item::Struct(data) => &data.attrs,
        Item::Macro(call) => &call.attrs,
        _ => return false,
    };
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

/// A `#[page]` impl as the macro reads it; `None` if it is not one, or
/// one the macro refuses.
fn read_page(path: &str, imp: &syn::ItemImpl) -> Option<Found> {
    let attr = imp.attrs.iter().find(|a| grammar::is_attr(a, "page"))?;
    let tokens = grammar::attr_tokens(attr);
    let at = tokens.clone().into_iter().next()?.span().start();
    let args = grammar::page_args(tokens).ok()?;
    let page = grammar::page_impl(imp).ok()?;
    let syn::Type::Path(ty) = imp.self_ty.as_ref() else {
        return None;
    };
    Some(Found {
        ty: ty.path.segments.last()?.ident.to_string(),
        route: args.route,
        // Columns from 1, as the templates' positions.
        place: format!("{path}:{}:{}", at.line, at.column + 1),
        handlers: page.handlers.into_iter().flat_map(|h| h.names).collect(),
        data: (args.data).and_then(|d| Some(d.segments.last()?.ident.to_string())),
    })
}

/// A `#[component]` impl as the macro reads it; `None` if it is not one,
/// or one the macro refuses.
fn read_component(imp: &syn::ItemImpl) -> Option<FoundComponent> {
    let attr = imp
        .attrs
        .iter()
        .find(|a| grammar::is_attr(a, "component"))?;
    let args = component_grammar::component_args(grammar::attr_tokens(attr)).ok()?;
    let read = component_grammar::component_impl(imp).ok()?;
    let syn::Type::Path(ty) = imp.self_ty.as_ref() else {
        return None;
    };
    let (head, tail) = component_grammar::component_meta(&args, &read);
    let last = |p: &syn::Path| Some(p.segments.last()?.ident.to_string());
    Some(FoundComponent {
        ty: ty.path.segments.last()?.ident.to_string(),
        head,
        tail,
        properties: args.properties.as_ref().and_then(last),
        behaviors: (args.behaviors.iter())
            .map(|(_, b)| last(b))
            .collect::<Option<_>>()?,
    })
}

/// A `#[behavior]` impl as the macro reads it, by its type's last
/// segment; `None` if it is not one, or one the macro refuses.
fn read_behavior(imp: &syn::ItemImpl) -> Option<(String, FoundBehavior)> {
    let attr = imp.attrs.iter().find(|a| grammar::is_attr(a, "behavior"))?;
    let args = component_grammar::behavior_args(grammar::attr_tokens(attr)).ok()?;
    let read = component_grammar::component_impl(imp).ok()?;
    let syn::Type::Path(ty) = imp.self_ty.as_ref() else {
        return None;
    };
    let behavior = FoundBehavior {
        properties: (args.properties).and_then(|p| Some(p.segments.last()?.ident.to_string())),
        handlers: read.handlers.into_iter().flat_map(|h| h.names).collect(),
    };
    Some((ty.path.segments.last()?.ident.to_string(), behavior))
}

/// Whether `attrs` hold `#[derive(..., NAME, ...)]`.
fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let paths = a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated);
            paths.is_ok_and(|p| p.iter().any(|p| grammar::is_attr_path(p, name)))
        })
}

/// `export_app!(App, pages = [A, B], components = [C])`'s page and
/// component types (last segments), either list optional; an
/// `export_app!(App)` exports none.
fn exported(input: ParseStream) -> syn::Result<Exported> {
    input.parse::<syn::Type>()?;
    let mut exported = Exported::default();
    while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
        let key: syn::Ident = input.parse()?;
        let into = match key.to_string().as_str() {
            "pages" => &mut exported.pages,
            "components" => &mut exported.components,
            _ => {
                return Err(syn::Error::new(
                    key.span(),
                    "expected `pages` or `components`",
                ));
            }
        };
        input.parse::<Token![=]>()?;
        let list;
        syn::bracketed!(list in input);
        for ty in Punctuated::<syn::Type, Token![,]>::parse_terminated(&list)? {
            if let syn::Type::Path(ty) = ty
                && let Some(last) = ty.path.segments.last()
            {
                into.push(last.ident.to_string());
            }
        }
    }
    Ok(exported)
}

/// Each exported page whose route is not one of the app's `pages`, as
/// `src/lib.rs:12:7: #[page("indx")] names no page of the app (did you
/// mean `index`?)`: its events would never reach it.
pub fn unknown_routes(scanned: &Scanned, pages: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (route, place) in &scanned.places {
        if pages.contains(route) {
            continue;
        }
        let hint = closest(route, pages.iter().map(String::as_str))
            .map(|near| format!(" (did you mean `{near}`?)"))
            .unwrap_or_default();
        problems.push(format!(
            "{place}: #[page(\"{route}\")] names no page of the app{hint}"
        ));
    }
    problems
}

/// Call `f` with every node of `nodes`, at any depth.
fn walk<'t>(nodes: &'t [Node], f: &mut impl FnMut(&'t Node)) {
    for node in nodes {
        f(node);
        match node {
            Node::Element(element) => walk(&element.children, f),
            Node::Block(children)
            | Node::For {
                nodes: children, ..
            } => walk(children, f),
            Node::If {
                branches,
                otherwise,
            } => {
                for (_, children) in branches {
                    walk(children, f);
                }
                walk(otherwise.as_deref().unwrap_or_default(), f);
            }
            Node::Text(_) | Node::Use { .. } | Node::Include { .. } | Node::Slot { .. } => {}
        }
    }
}

/// Each field a typed page's template reads from the page's data that its
/// `data = Type` lacks, once per page, as a warning: `pages/index.wxml:4:3:
/// page `index` reads `{{totl}}`, which its data `IndexData` has no field
/// for (WeChat renders it empty)`. Data a `<template>` reads is its
/// caller's, not checked.
pub fn missing_fields(scanned: &Scanned, templates: &BTreeMap<String, Template>) -> Vec<String> {
    let mut warnings = Vec::new();
    for (route, fields) in &scanned.data {
        let mut reported: Vec<String> = Vec::new();
        // `pages/ROUTE.wxml`, or a subpackage page's `ROUTE.wxml`.
        let stem = page_stem(route, |path| templates.contains_key(path));
        let mut files = vec![format!("{stem}.wxml")];
        let mut seen: Vec<String> = Vec::new();
        while let Some(file) = files.pop() {
            let Some(template) = templates.get(&file).filter(|_| !seen.contains(&file)) else {
                continue;
            };
            seen.push(file.clone());
            let mut reads = Vec::new();
            data_reads(&template.nodes, Pos::default(), &mut reads);
            walk(&template.nodes, &mut |node| {
                if let Node::Include { src, .. } = node {
                    files.extend(resolve(&file, src));
                }
            });
            for (name, pos) in reads {
                if fields.contains(&name) || reported.contains(&name) {
                    continue;
                }
                let place = match pos == Pos::default() {
                    true => file.clone(),
                    false => format!("{file}:{}:{}", pos.line, pos.col),
                };
                warnings.push(format!(
                    "{place}: page `{route}` reads `{name}` from its data, whose type has no field `{name}` (WeChat renders it empty)"
                ));
                reported.push(name);
            }
        }
    }
    warnings
}

fn dynamic(value: &Value) -> Option<&Expr> {
    match value {
        Value::Dynamic(expr) => Some(expr),
        Value::Static(_) => None,
    }
}

/// The top-level data fields `nodes` read, each with the place of the
/// element reading it (`at` for text outside any element).
fn data_reads(nodes: &[Node], at: Pos, out: &mut Vec<(String, Pos)>) {
    let read = |value: Option<&Expr>, at: Pos, out: &mut Vec<(String, Pos)>| {
        let mut paths = Vec::new();
        if let Some(expr) = value {
            expr_reads(expr, &mut paths);
        }
        for path in paths.into_iter().filter(|p| p.root == Root::Data) {
            if let Some(Step::Key(name)) = path.steps.first() {
                out.push((name.clone(), at));
            }
        }
    };
    for node in nodes {
        match node {
            Node::Text(value) => read(dynamic(value), at, out),
            Node::Element(element) => {
                let values = (element.attrs.iter().chain(&element.dataset)).map(|(_, v)| v);
                for value in values.chain(&element.slot) {
                    read(dynamic(value), element.pos, out);
                }
                for model in element
                    .events
                    .iter()
                    .filter(|b| b.kind == BindingKind::Model)
                {
                    let field = model.handler.split(['.', '[']).next().unwrap_or_default();
                    out.push((field.to_string(), element.pos));
                }
                data_reads(&element.children, element.pos, out);
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (condition, children) in branches {
                    read(Some(condition), at, out);
                    data_reads(children, at, out);
                }
                data_reads(otherwise.as_deref().unwrap_or_default(), at, out);
            }
            Node::For {
                list, nodes, pos, ..
            } => {
                read(Some(list), *pos, out);
                data_reads(nodes, *pos, out);
            }
            Node::Block(children) => data_reads(children, at, out),
            Node::Use { is, data, pos } => {
                read(dynamic(is), *pos, out);
                read(data.as_ref(), *pos, out);
            }
            Node::Include { .. } | Node::Slot { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniapp_runtime::config::meta::{PageLifetime, PropertyType};

    /// A crate with `files` (under `src/`).
    fn scanned(files: &[(&str, &str)]) -> Option<Scanned> {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join("src").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        scan(dir.path()).unwrap()
    }

    const PAGES: &str = r#"
        mod pages {
            #[miniapp_sdk::page("cart/cart", data = crate::data::CartData)]
            impl Cart {
                fn on_load(&mut self, q: &Query) -> Result<()> { Ok(()) }
                #[handler] fn pay(&mut self, tap: Tap) -> Result<()> { Ok(()) }
                #[handler("clear-all")] fn clear(&mut self) -> Result<()> { Ok(()) }
                fn helper(&self) {}
            }
        }
        #[page("draft")]
        impl Draft { #[handler] fn save(&mut self) -> Result<()> { Ok(()) } }
    "#;
    const DATA: &str = r#"
        #[derive(Serialize, miniapp_sdk::PageData)]
        #[serde(rename_all = "camelCase")]
        pub struct CartData { items: Vec<Item>, total_price: u32, #[serde(skip)] cache: u8 }
    "#;

    #[test]
    fn exported_pages_are_read_with_their_handlers_and_data_fields() {
        let lib = "miniapp_sdk::export_app!(Shop, pages = [pages::Cart]);";
        let found = scanned(&[("lib.rs", lib), ("pages.rs", PAGES), ("data.rs", DATA)]).unwrap();
        let cart = &found.meta.pages["cart/cart"];
        assert_eq!(cart.handlers, ["pay", "clear-all"]);
        // `Draft` is not exported: the macro writes no meta for it.
        assert_eq!(found.meta.pages.len(), 1);
        assert_eq!(found.data["cart/cart"], ["items", "totalPrice"]);
    }

    #[test]
    fn a_tests_own_pages_are_not_the_apps() {
        let lib = "miniapp_sdk::export_app!(Shop, pages = [Cart]);\n\
                   #[cfg(test)]\nmod tests {\n#[page(\"other\")]\nimpl Cart {}\n}";
        let found = scanned(&[("lib.rs", lib), ("pages.rs", PAGES)]).unwrap();
        assert_eq!(found.meta.pages.keys().collect::<Vec<_>>(), ["cart/cart"]);
    }

    #[test]
    fn a_page_route_the_app_lacks_is_named_at_its_place() {
        let lib = "miniapp_sdk::export_app!(Shop, pages = [pages::Cart]);";
        let found = scanned(&[("lib.rs", lib), ("pages.rs", PAGES)]).unwrap();
        assert_eq!(found.places["cart/cart"], "src/pages.rs:3:33");
        let pages = ["index".to_string(), "cart/carts".to_string()];
        assert_eq!(
            unknown_routes(&found, &pages),
            [
                "src/pages.rs:3:33: #[page(\"cart/cart\")] names no page of the app (did you mean `cart/carts`?)"
            ]
        );
        assert!(unknown_routes(&found, &["cart/cart".to_string()]).is_empty());
    }

    const COMPONENTS: &str = r#"
        #[derive(serde::Deserialize, Properties)]
        struct StepperProps { #[property(default = 1)] value: i64, label: Option<String> }
        #[component("components/stepper/stepper", properties = StepperProps, multiple_slots)]
        impl Stepper {
            fn attached(&mut self, this: &Instance<Self>) -> Result<()> { Ok(()) }
            fn on_page_hide(&mut self, this: &Instance<Self>) -> Result<()> { Ok(()) }
            #[observer("value")] fn seen(&mut self, this: &Instance<Self>) -> Result<()> { Ok(()) }
            #[handler] fn plus(&mut self, this: &Instance<Self>, tap: Tap) -> Result<()> { Ok(()) }
        }
    "#;

    #[test]
    fn exported_components_are_read_with_their_properties_handlers_and_options() {
        let lib = "miniapp_sdk::export_app!(Shop, components = [parts::Stepper]);";
        let found = scanned(&[("lib.rs", lib), ("parts.rs", COMPONENTS)]).unwrap();
        assert!(found.meta.pages.is_empty());
        let stepper = &found.meta.components["components/stepper/stepper"];
        assert_eq!(stepper.handlers, ["plus"]);
        let properties: Vec<_> = (stepper.properties.iter())
            .map(|p| (p.name.as_str(), p.kind, p.default.clone()))
            .collect();
        let (number, string) = (PropertyType::Number, PropertyType::String);
        let none = serde_json::Value::Null;
        assert_eq!(
            properties,
            [("value", number, 1.into()), ("label", string, none)]
        );
        assert!(stepper.options.multiple_slots);
        assert_eq!(stepper.page_lifetimes, [PageLifetime::Hide]);
        // Pages beside them; a component whose properties type the sources
        // lack is left to cargo, pages and all.
        let both = "miniapp_sdk::export_app!(Shop, pages = [Cart], components = [Stepper]);";
        let found = scanned(&[
            ("lib.rs", both),
            ("pages.rs", PAGES),
            ("parts.rs", COMPONENTS),
        ]);
        assert_eq!(found.unwrap().meta.pages.len(), 1);
        let lacking = COMPONENTS.replace("struct StepperProps", "struct OtherProps");
        assert_eq!(scanned(&[("lib.rs", both), ("parts.rs", &lacking)]), None);
    }

    #[test]
    fn an_app_without_typed_pages_or_with_a_file_syn_cannot_read_is_left_to_cargo() {
        let untyped = "miniapp_sdk::export_app!(Shop);";
        assert_eq!(scanned(&[("lib.rs", untyped), ("pages.rs", PAGES)]), None);
        let broken = "miniapp_sdk::export_app!(Shop, pages = [Cart]); fn (";
        assert_eq!(scanned(&[("lib.rs", broken), ("pages.rs", PAGES)]), None);
    }

    #[test]
    fn a_file_nested_past_the_bound_is_left_to_cargo_without_overflowing() {
        let nested = |open: &str, close: &str, depth| {
            format!(
                "miniapp_sdk::export_app!(Shop, pages = [pages::Cart]);\n\
                     fn f() {{ let _ = {}1{}; }}",
                open.repeat(depth),
                close.repeat(depth)
            )
        };
        let at_bound = nested("(", ")", MAX_NESTING - 1);
        let found = scanned(&[("lib.rs", &at_bound), ("pages.rs", PAGES)]).unwrap();
        assert_eq!(found.meta.pages.keys().collect::<Vec<_>>(), ["cart/cart"]);
        // A file starting with a byte order mark is read as syn reads it.
        let marked = format!("\u{feff}{at_bound}");
        let found = scanned(&[("lib.rs", &marked), ("pages.rs", PAGES)]).unwrap();
        assert_eq!(found.meta.pages.keys().collect::<Vec<_>>(), ["cart/cart"]);
        // Before the bound, syn recursed into these and the stack overflowed.
        for (open, close) in [("(", ")"), ("mod m {", "}"), ("[", "]")] {
            let deep = nested(open, close, 100_000);
            let files = [("lib.rs", deep.as_str()), ("pages.rs", PAGES)];
            assert_eq!(scanned(&files), None, "{open}");
        }
    }

    #[test]
    fn an_editors_lock_file_or_a_source_linked_from_outside_src_is_left_to_cargo() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let lib = "miniapp_sdk::export_app!(Shop, pages = [pages::Cart]);";
        std::fs::write(src.join("lib.rs"), lib).unwrap();
        std::fs::write(src.join("pages.rs"), PAGES).unwrap();
        // Emacs marks a file being edited with a dangling symlink `.#NAME`.
        std::os::unix::fs::symlink("ada@host.4242:1733400000", src.join(".#lib.rs")).unwrap();
        let found = scan(dir.path()).unwrap().unwrap();
        assert_eq!(found.meta.pages.keys().collect::<Vec<_>>(), ["cart/cart"]);
        // A module linked from outside src/: cargo compiles it; the scan
        // does not read out of src/.
        std::fs::write(dir.path().join("shared.rs"), "pub fn f() {}").unwrap();
        std::os::unix::fs::symlink("../shared.rs", src.join("shared.rs")).unwrap();
        assert_eq!(scan(dir.path()).unwrap(), None);
    }

    fn templates(files: &[(&str, &str)]) -> BTreeMap<String, Template> {
        let limits = miniapp_view::Limits::default();
        (files.iter())
            .map(|(file, text)| {
                (
                    file.to_string(),
                    miniapp_view::parse(file, text, &limits).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_field_the_typed_data_lacks_is_one_warning_at_its_first_read() {
        let lib = "miniapp_sdk::export_app!(Shop, pages = [Cart]);";
        let found = scanned(&[("lib.rs", lib), ("pages.rs", PAGES), ("data.rs", DATA)]).unwrap();
        let page = "<view wx:for=\"{{items}}\">{{item.title}} {{currency}}</view>\n\
                    <text>{{totalPrice}} {{currency}}</text>\n<input model:value=\"{{coupon.code}}\"/>";
        let views = templates(&[("pages/cart/cart.wxml", page)]);
        assert_eq!(
            missing_fields(&found, &views),
            [
                "pages/cart/cart.wxml:1:1: page `cart/cart` reads `currency` from its data, whose type has no field `currency` (WeChat renders it empty)",
                "pages/cart/cart.wxml:3:1: page `cart/cart` reads `coupon` from its data, whose type has no field `coupon` (WeChat renders it empty)",
            ]
        );
    }

    #[test]
    fn a_subpackage_pages_template_is_read_under_its_root() {
        let lib = "miniapp_sdk::export_app!(Shop, pages = [Cart]);";
        let pages = PAGES.replace("\"cart/cart\"", "\"market/pages/cart/cart\"");
        let files = [
            ("lib.rs", lib),
            ("pages.rs", pages.as_str()),
            ("data.rs", DATA),
        ];
        let found = scanned(&files).unwrap();
        let views = templates(&[("market/pages/cart/cart.wxml", "<text>{{currency}}</text>")]);
        assert_eq!(
            missing_fields(&found, &views),
            [
                "market/pages/cart/cart.wxml:1:1: page `market/pages/cart/cart` reads `currency` from its data, whose type has no field `currency` (WeChat renders it empty)"
            ]
        );
    }
}
