//! The grammar of a typed component: `#[component("PATH", properties =
//! P, data = D, ...)]` on an `impl` (lifetimes, page lifetimes,
//! `#[observer]` and `#[handler]` methods) and `#[derive(Properties)]` on
//! its properties struct. Like `grammar.rs`, read by the SDK's macros and
//! by `miniapp build`'s scan (`build/src/scan.rs` includes it beside
//! `grammar.rs`), so the meta the build derives from the sources is the
//! one the macros write.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{
    Attribute, Expr, FnArg, ImplItem, ImplItemFn, ItemImpl, LitStr, ReceiverKind, Token, Type,
};

use super::grammar::{self, Handler};

/// A component's lifetimes, by WeChat's names.
pub const LIFETIMES: &[&str] = &["created", "attached", "ready", "moved", "detached"];

/// Its relations' hooks, by WeChat's names (`linkChanged` as
/// `link_changed`), each `(&mut self, this, relation: &str, other: u32)`.
pub const RELATION_HOOKS: &[&str] = &["linked", "link_changed", "unlinked"];

/// WeChat's relation types.
const RELATION_KINDS: &[&str] = &["parent", "child", "ancestor", "descendant"];

/// Its host page's lifetimes: the method and the meta's `pageLifetimes` name.
pub const PAGE_LIFETIMES: &[(&str, &str)] = &[
    ("on_page_show", "show"),
    ("on_page_hide", "hide"),
    ("on_page_resize", "resize"),
];

/// What `#[component(...)]` says.
pub struct ComponentArgs {
    /// Its path (`components/stepper/stepper`).
    pub path: String,
    /// Its `#[derive(Properties)]` type.
    pub properties: Option<syn::Path>,
    /// Its `#[derive(PageData)]` data type.
    pub data: Option<syn::Path>,
    /// `external_classes = ["a", "b"]`.
    pub external_classes: Vec<String>,
    /// The meta's `options` entries as JSON members (`"multipleSlots":true`).
    pub options: Vec<String>,
    /// `relations = [("../item/item", child)]`: each key and its type.
    /// A behavior type in place of the path (`(Pickable, descendant)`) is
    /// WeChat's `target`: its key is the type's name, and it links any
    /// component that has the behavior (the `bool`).
    pub relations: Vec<(String, String, bool)>,
    /// `behaviors = [field: Type]`: each behavior the component holds in
    /// its field.
    pub behaviors: Vec<(syn::Ident, syn::Path)>,
    /// `behaviors = [form_field]`: WeChat's built-in `wx://form-field` (its
    /// `name` and `value` join the submit of a form around it).
    pub form_field: bool,
}

/// What `#[behavior(...)]` says: its properties and data types.
pub struct BehaviorArgs {
    /// Its `#[derive(Properties)]` type.
    pub properties: Option<syn::Path>,
    /// Its data type (`Serialize + Default`).
    pub data: Option<syn::Path>,
}

/// Read `#[behavior(properties = P, data = D)]`'s arguments (both optional).
pub fn behavior_args(tokens: TokenStream) -> syn::Result<BehaviorArgs> {
    let parser = |input: ParseStream| -> syn::Result<BehaviorArgs> {
        let mut args = BehaviorArgs {
            properties: None,
            data: None,
        };
        while !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let ty: syn::Path = input.parse()?;
            match key.to_string().as_str() {
                "properties" => args.properties = Some(ty),
                "data" => args.data = Some(ty),
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown behavior option `{other}`: the options are `properties = Type`, `data = Type`"
                        ),
                    ));
                }
            }
            if input.parse::<Option<Token![,]>>()?.is_none() {
                break;
            }
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the behavior's options"));
        }
        Ok(args)
    };
    parser.parse2(tokens)
}

/// One `#[observer("keys")]` method.
pub struct Observer {
    /// Its keys as written (`value`, `a, b.c`, `**`).
    pub keys: String,
    /// The method.
    pub method: syn::Ident,
    /// Whether it takes the old value (a single property name).
    pub with_old: bool,
}

/// A component's `impl`, read.
pub struct ComponentImpl {
    /// Its handlers, in the order written.
    pub handlers: Vec<Handler>,
    /// Its lifetimes (names from [`LIFETIMES`]).
    pub lifetimes: Vec<syn::Ident>,
    /// Its page lifetimes (methods from [`PAGE_LIFETIMES`]).
    pub page_lifetimes: Vec<syn::Ident>,
    /// Its relation hooks (names from [`RELATION_HOOKS`]).
    pub relation_hooks: Vec<syn::Ident>,
    /// Its observers, in the order written.
    pub observers: Vec<Observer>,
}

/// Read `#[component(...)]`'s arguments.
pub fn component_args(tokens: TokenStream) -> syn::Result<ComponentArgs> {
    let parser = |input: ParseStream| -> syn::Result<ComponentArgs> {
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the component's path: #[component(\"components/stepper/stepper\")]",
            )
        })?;
        check_path(&path)?;
        let mut args = ComponentArgs {
            path: path.value(),
            properties: None,
            data: None,
            external_classes: Vec::new(),
            options: Vec::new(),
            relations: Vec::new(),
            behaviors: Vec::new(),
            form_field: false,
        };
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            component_option(&key, input, &mut args)?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the component's options"));
        }
        Ok(args)
    };
    parser.parse2(tokens)
}

/// One `key = value` or flag of `#[component(...)]`.
fn component_option(
    key: &syn::Ident,
    input: ParseStream,
    args: &mut ComponentArgs,
) -> syn::Result<()> {
    let flag = |name: &str| format!("\"{name}\":true");
    match key.to_string().as_str() {
        "properties" | "data" => {
            input.parse::<Token![=]>()?;
            let ty: syn::Path = input.parse()?;
            let slot = if key == "properties" {
                &mut args.properties
            } else {
                &mut args.data
            };
            *slot = Some(ty);
        }
        "external_classes" => {
            input.parse::<Token![=]>()?;
            let list: syn::ExprArray = input.parse()?;
            for item in &list.elems {
                let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(class),
                    ..
                }) = item
                else {
                    return Err(syn::Error::new_spanned(item, "a class name in quotes"));
                };
                let name = class.value();
                let fine = name
                    .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '-')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !fine {
                    return Err(syn::Error::new_spanned(
                        class,
                        format!(
                            "`{name}` is not a class name (letters, digits, `-`, `_`; not a digit first)"
                        ),
                    ));
                }
                args.external_classes.push(name);
            }
        }
        "relations" => {
            input.parse::<Token![=]>()?;
            let list: syn::ExprArray = input.parse()?;
            for item in &list.elems {
                let (path, kind, target) = relation(item)?;
                if args.relations.iter().any(|(p, _, _)| *p == path) {
                    return Err(syn::Error::new_spanned(
                        item,
                        format!("two relations name `{path}`"),
                    ));
                }
                args.relations.push((path, kind, target));
            }
        }
        "behaviors" => {
            input.parse::<Token![=]>()?;
            let content;
            syn::bracketed!(content in input);
            while !content.is_empty() {
                let field: syn::Ident = content.parse()?;
                if field == "form_field" && !content.peek(Token![:]) {
                    if args.form_field {
                        return Err(syn::Error::new(field.span(), "`form_field` appears twice"));
                    }
                    args.form_field = true;
                    if content.parse::<Option<Token![,]>>()?.is_none() {
                        break;
                    }
                    continue;
                }
                content.parse::<Token![:]>()?;
                let ty: syn::Path = content.parse()?;
                args.behaviors.push((field, ty));
                if content.parse::<Option<Token![,]>>()?.is_none() {
                    break;
                }
            }
            if !content.is_empty() {
                return Err(content.error("a behavior is `field: Type` or `form_field`"));
            }
        }
        "multiple_slots" => args.options.push(flag("multipleSlots")),
        "virtual_host" => args.options.push(flag("virtualHost")),
        "add_global_class" => args.options.push(flag("addGlobalClass")),
        "style_isolation" => {
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            let text = value.value();
            if !matches!(text.as_str(), "isolated" | "apply-shared" | "shared") {
                return Err(syn::Error::new_spanned(
                    value,
                    format!(
                        "style_isolation `{text}`: a component takes \"isolated\", \"apply-shared\" or \"shared\""
                    ),
                ));
            }
            args.options.push(format!("\"styleIsolation\":\"{text}\""));
        }
        other => {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown component option `{other}`: the options are `properties = Type`, `data = Type`, \
                     `external_classes = [..]`, `relations = [(\"../item/item\", child)]`, `behaviors = [field: Type, form_field]`, `multiple_slots`, \
                     `virtual_host`, `add_global_class`, `style_isolation = \"..\"`"
                ),
            ));
        }
    }
    Ok(())
}

/// One `("../item/item", child)` of `relations = [..]`: a relative or
/// rooted path of the other component and WeChat's type.
fn relation(item: &Expr) -> syn::Result<(String, String, bool)> {
    let expected = "a relation is `(\"../item/item\", child)`: the other component's path (or a \
                    behavior type it has) and `parent`, `child`, `ancestor` or `descendant`";
    let Expr::Tuple(pair) = item else {
        return Err(syn::Error::new_spanned(item, expected));
    };
    if let (Some(Expr::Path(behavior)), Some(Expr::Path(kind)), 2) =
        (pair.elems.first(), pair.elems.last(), pair.elems.len())
    {
        let name = (behavior.path.segments.last()).map(|s| s.ident.to_string());
        let kind = kind.path.get_ident().map(ToString::to_string);
        return match (name, kind) {
            (Some(name), Some(kind)) if RELATION_KINDS.contains(&kind.as_str()) => {
                Ok((name, kind, true))
            }
            _ => Err(syn::Error::new_spanned(item, expected)),
        };
    }
    let (Some(Expr::Lit(path)), Some(Expr::Path(kind)), 2) =
        (pair.elems.first(), pair.elems.last(), pair.elems.len())
    else {
        return Err(syn::Error::new_spanned(item, expected));
    };
    let syn::Lit::Str(path) = &path.lit else {
        return Err(syn::Error::new_spanned(path, expected));
    };
    let text = path.value();
    let fine = !text.is_empty()
        && text.len() <= 256
        && (text.split('/').filter(|s| !s.is_empty())).all(|s| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        });
    if !fine {
        return Err(syn::Error::new_spanned(
            path,
            format!("`{text}` is not a component path like `../item/item`"),
        ));
    }
    let kind = kind.path.get_ident().map(ToString::to_string);
    match kind {
        Some(kind) if RELATION_KINDS.contains(&kind.as_str()) => Ok((text, kind, false)),
        _ => Err(syn::Error::new_spanned(item, expected)),
    }
}

/// A component path as the meta takes it: segments of letters, digits,
/// `_`, `-` and `.`, joined by `/`.
fn check_path(path: &LitStr) -> syn::Result<()> {
    let text = path.value();
    let fine = !text.is_empty()
        && text.len() <= 256
        && text.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        });
    if fine {
        Ok(())
    } else {
        Err(syn::Error::new(
            path.span(),
            format!("`{text}` is not a component path like `components/stepper/stepper`"),
        ))
    }
}

/// Read a component's `impl`: its handlers, lifetimes, page lifetimes and
/// observers, each checked for its shape.
pub fn component_impl(item: &ItemImpl) -> syn::Result<ComponentImpl> {
    grammar::own_impl(item, "component")?;
    let mut read = ComponentImpl {
        handlers: Vec::new(),
        lifetimes: Vec::new(),
        page_lifetimes: Vec::new(),
        relation_hooks: Vec::new(),
        observers: Vec::new(),
    };
    let mut names: Vec<(String, Span)> = Vec::new();
    for entry in &item.items {
        let ImplItem::Fn(method) = entry else {
            continue;
        };
        let ident = &method.sig.ident;
        let name = ident.to_string();
        let handler_marks: Vec<&Attribute> = marks(method, "handler");
        let observer_marks: Vec<&Attribute> = marks(method, "observer");
        let hook = LIFETIMES.contains(&name.as_str())
            || RELATION_HOOKS.contains(&name.as_str())
            || PAGE_LIFETIMES.iter().any(|(m, _)| *m == name);
        if hook && !(handler_marks.is_empty() && observer_marks.is_empty()) {
            return Err(syn::Error::new_spanned(
                ident,
                format!("`{name}` is a lifetime of the component: remove #[handler] / #[observer]"),
            ));
        }
        if handler_marks.len() + observer_marks.len() > 1 {
            return Err(syn::Error::new_spanned(
                ident,
                "one #[handler] or #[observer] per method",
            ));
        }
        if let Some(mark) = observer_marks.first() {
            read.observers.push(observer(mark, method)?);
        } else if let Some(mark) = handler_marks.first() {
            let handler_names = grammar::handler_names(mark, ident)?;
            for handler in &handler_names {
                if let Some((_, first)) = names.iter().find(|(n, _)| n == handler) {
                    let mut error = syn::Error::new(
                        ident.span(),
                        format!("two handlers are named `{handler}`"),
                    );
                    error.combine(syn::Error::new(*first, "the first is here"));
                    return Err(error);
                }
                names.push((handler.clone(), ident.span()));
            }
            let args = with_this(method, "handler", 1, "_tap: Tap")?;
            read.handlers.push(Handler {
                names: handler_names,
                method: ident.clone(),
                arg: args.into_iter().next(),
            });
        } else if LIFETIMES.contains(&name.as_str()) {
            with_this(method, "lifetime", 0, "")?;
            read.lifetimes.push(ident.clone());
        } else if RELATION_HOOKS.contains(&name.as_str()) {
            let why = "takes the relation and the other instance";
            exactly(method, "relation hook", why, "relation: &str, other: u32")?;
            read.relation_hooks.push(ident.clone());
        } else if let Some((method_name, _)) = PAGE_LIFETIMES.iter().find(|(m, _)| *m == name) {
            if *method_name == "on_page_resize" {
                exactly(
                    method,
                    "page lifetime",
                    "takes the new size",
                    "size: &page::Resize",
                )?;
            } else {
                with_this(method, "page lifetime", 0, "")?;
            }
            read.page_lifetimes.push(ident.clone());
        }
    }
    Ok(read)
}

fn marks<'m>(method: &'m ImplItemFn, name: &str) -> Vec<&'m Attribute> {
    (method.attrs.iter())
        .filter(|a| grammar::is_attr(a, name))
        .collect()
}

/// `#[observer("keys")]` on `fn m(&mut self, this: &Instance<Self>)`, or
/// with `old: &Value` after `this` when the key is one property name.
fn observer(mark: &Attribute, method: &ImplItemFn) -> syn::Result<Observer> {
    let expected = "expected #[observer(\"value\")] or #[observer(\"a, b.c\")]";
    let syn::Meta::List(list) = &mark.meta else {
        return Err(syn::Error::new_spanned(mark, expected));
    };
    let keys: LitStr =
        syn::parse2(list.tokens.clone()).map_err(|e| syn::Error::new(e.span(), expected))?;
    let text = keys.value();
    for key in text.split(',') {
        if let Err(why) = check_observer_key(key.trim()) {
            return Err(syn::Error::new_spanned(
                &keys,
                format!("observer key `{}` {why}", key.trim()),
            ));
        }
    }
    let args = with_this(method, "observer", 1, "old: &Value")?;
    let with_old = !args.is_empty();
    let single = !text.contains([',', '.', '[', '*']);
    if with_old && !single {
        return Err(syn::Error::new_spanned(
            &keys,
            format!(
                "observer `{}` takes an old value, which only an observer of one property name has (not `{text}`)",
                method.sig.ident
            ),
        ));
    }
    Ok(Observer {
        keys: text
            .split(',')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(", "),
        method: method.sig.ident.clone(),
        with_old,
    })
}

/// An observer key: `**`, or a data path (`a`, `b.c`, `list[2]`),
/// optionally ending in `.**`.
fn check_observer_key(key: &str) -> Result<(), &'static str> {
    if key == "**" {
        return Ok(());
    }
    let path = key.strip_suffix(".**").unwrap_or(key);
    if path.is_empty() {
        return Err("is empty");
    }
    for part in path.split('.') {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        let name_fine = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        if !name_fine {
            return Err("is not a data path (`a`, `b.c`, `list[2]`, `obj.**`, `**`)");
        }
        if !rest.is_empty() {
            let indices = format!("[{rest}");
            let fine = indices.split('[').skip(1).all(|i| {
                i.strip_suffix(']')
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            });
            if !fine {
                return Err("has an index that is not `[N]`");
            }
        }
    }
    Ok(())
}

/// The shape every component method has: `(&mut self, this: &Instance<Self>,
/// ...)` returning `Result<..>`, not `async`, not generic; at most `extra`
/// arguments after `this`, which it returns.
fn with_this(
    method: &ImplItemFn,
    what: &str,
    extra: usize,
    example: &str,
) -> syn::Result<Vec<Type>> {
    let sig = &method.sig;
    if sig.asyncness.is_some() {
        return Err(shape(
            method,
            what,
            "is `async`: component methods return at once; start the waiting work with `task::spawn` and reach the instance from it with `component::with`",
            example,
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(shape(method, what, "is generic", example));
    }
    let mut inputs = sig.inputs.iter();
    let takes_mut_self = matches!(
        inputs.next(),
        Some(FnArg::Receiver(r)) if matches!(r.kind, ReceiverKind::Reference(_, _, Some(_)))
    );
    if !takes_mut_self {
        return Err(shape(method, what, "must take `&mut self`", example));
    }
    let this_is_ref =
        matches!(inputs.next(), Some(FnArg::Typed(arg)) if matches!(*arg.ty, Type::Reference(_)));
    if !this_is_ref {
        return Err(shape(
            method,
            what,
            "must take `this: &Instance<Self>` after `&mut self`",
            example,
        ));
    }
    let mut rest = Vec::new();
    for input in inputs {
        match input {
            FnArg::Typed(arg) => rest.push((*arg.ty).clone()),
            FnArg::Receiver(_) => return Err(shape(method, what, "takes `self` twice", example)),
        }
    }
    if rest.len() > extra {
        return Err(shape(method, what, "takes too many arguments", example));
    }
    if matches!(sig.output, syn::ReturnType::Default) {
        return Err(shape(method, what, "returns nothing", example));
    }
    Ok(rest)
}

/// [`with_this`] with exactly the arguments `example` writes after `this`
/// (one per `,`-separated part): fewer are refused saying `why`.
fn exactly(method: &ImplItemFn, what: &str, why: &str, example: &str) -> syn::Result<()> {
    let count = example.split(',').count();
    if with_this(method, what, count, example)?.len() != count {
        return Err(shape(method, what, why, example));
    }
    Ok(())
}

fn shape(method: &ImplItemFn, what: &str, why: &str, example: &str) -> syn::Error {
    let ident = &method.sig.ident;
    let extra = if example.is_empty() {
        String::new()
    } else {
        format!(", {example}")
    };
    syn::Error::new_spanned(
        ident,
        format!(
            "{what} `{ident}` {why}: write `fn {ident}(&mut self, this: &Instance<Self>{extra}) -> Result<()>`"
        ),
    )
}

/// The component's meta entry around its properties list:
/// `"PATH":{"properties":` and `,"data":{},"handlers":[..],...}`.
pub fn component_meta(args: &ComponentArgs, read: &ComponentImpl) -> (String, String) {
    let quoted = |list: &mut dyn Iterator<Item = String>| {
        list.map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let head = format!("\"{}\":{{\"properties\":", args.path);
    let handlers = quoted(&mut read.handlers.iter().flat_map(|h| h.names.clone()));
    let classes = quoted(&mut args.external_classes.iter().cloned());
    let lifetimes = quoted(&mut read.page_lifetimes.iter().map(|m| {
        let (_, name) = PAGE_LIFETIMES
            .iter()
            .find(|(method, _)| m == method)
            .expect("a page lifetime");
        name.to_string()
    }));
    let relations = (args.relations.iter())
        .map(|(path, kind, target)| match target {
            true => format!("\"{path}\":{{\"type\":\"{kind}\",\"target\":\"{path}\"}}"),
            false => format!("\"{path}\":{{\"type\":\"{kind}\"}}"),
        })
        .collect::<Vec<_>>()
        .join(",");
    let form_field = if args.form_field {
        ",\"formField\":true"
    } else {
        ""
    };
    let tail = format!(
        ",\"data\":{{}},\"handlers\":[{handlers}],\"externalClasses\":[{classes}],\"options\":{{{}}},\"pageLifetimes\":[{lifetimes}],\"relations\":{{{relations}}}{form_field}}}",
        args.options.join(",")
    );
    (head, tail)
}
