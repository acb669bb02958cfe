//! The grammar of a typed page: `#[page("ROUTE")]` (or `#[page("ROUTE",
//! data = Type)]`) on an `impl` whose `#[handler]` methods are the page's
//! handlers. One file, read by the SDK's macro and by `miniapp build`'s
//! scan (`build/src/scan.rs` includes it), so the handlers the build
//! checks templates against before cargo runs are the ones the macro
//! routes: the scan and the macro cannot disagree on what a page has.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, FnArg, ImplItem, ImplItemFn, ItemImpl, LitStr, ReceiverKind, Token, Type};

/// The page's lifecycle methods, by WeChat's names (`onLoad` is
/// `on_load`): a method of the page's `impl` with one of these names is
/// the page's hook, not a handler.
pub const HOOKS: &[&str] = &[
    "on_load",
    "on_show",
    "on_ready",
    "on_hide",
    "on_unload",
    "on_pull_down_refresh",
    "on_reach_bottom",
    "on_page_scroll",
    "on_resize",
    "on_tab_item_tap",
    "on_share_app_message",
    "on_share_timeline",
    "on_theme_change",
];

/// What `#[page(...)]` says.
pub struct PageArgs {
    /// The route (`index`, `cart/cart`).
    pub route: String,
    /// The page's typed data, from `data = Type`.
    pub data: Option<syn::Path>,
}

/// One handler of a page.
pub struct Handler {
    /// The names templates bind it by (`bindtap="add"`), one or more.
    pub names: Vec<String>,
    /// The method.
    pub method: syn::Ident,
    /// Its event argument's type, if it takes one.
    pub arg: Option<Type>,
}

/// A page's `impl`, read.
pub struct PageImpl {
    /// Its handlers, in the order written.
    pub handlers: Vec<Handler>,
    /// Its lifecycle methods (names from [`HOOKS`]).
    pub hooks: Vec<syn::Ident>,
}

/// Whether `attr` is `#[NAME]` or `#[NAME(...)]` under any path
/// (`#[page]`, `#[miniapp_sdk::page]`).
pub fn is_attr(attr: &Attribute, name: &str) -> bool {
    is_attr_path(attr.path(), name)
}

/// Whether `path`'s last segment is `name` (`page`, `miniapp_sdk::page`).
pub fn is_attr_path(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

/// Read `#[page(...)]`'s arguments: `"ROUTE"` then optionally `, data = Type`.
pub fn page_args(tokens: TokenStream) -> syn::Result<PageArgs> {
    let parser = |input: ParseStream| -> syn::Result<PageArgs> {
        let route: LitStr = input.parse().map_err(|e| {
            syn::Error::new(e.span(), "expected the page's route: #[page(\"index\")]")
        })?;
        check_route(&route)?;
        let mut data = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key != "data" {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown page option `{key}`: the one option is `data = Type`"),
                ));
            }
            input.parse::<Token![=]>()?;
            data = Some(input.parse()?);
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the page's options"));
        }
        Ok(PageArgs {
            route: route.value(),
            data,
        })
    };
    parser.parse2(tokens)
}

/// A route as the manifest takes it: letters, digits, `_`, `-` and `/`
/// between segments.
fn check_route(route: &LitStr) -> syn::Result<()> {
    let text = route.value();
    let fine = !text.is_empty()
        && text.len() <= 256
        && text.split('/').all(|segment| {
            !segment.is_empty()
                && (segment.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        });
    if fine {
        Ok(())
    } else {
        Err(syn::Error::new(
            route.span(),
            format!(
                "`{text}` is not a page route: segments of letters, digits, `_` and `-`, joined by `/` (`index`, `cart/cart`)"
            ),
        ))
    }
}

/// Read a page's `impl`: its `#[handler]` methods and lifecycle methods,
/// each checked (a handler takes `&mut self` and at most one event, is not
/// `async` nor generic, and has a name a template can bind).
pub fn page_impl(item: &ItemImpl) -> syn::Result<PageImpl> {
    own_impl(item, "page")?;
    let mut page = PageImpl {
        handlers: Vec::new(),
        hooks: Vec::new(),
    };
    let mut names: Vec<(String, Span)> = Vec::new();
    for entry in &item.items {
        let ImplItem::Fn(method) = entry else {
            continue;
        };
        let marks: Vec<&Attribute> = (method.attrs.iter())
            .filter(|a| is_attr(a, "handler"))
            .collect();
        let ident = &method.sig.ident;
        if marks.is_empty() {
            if HOOKS.contains(&ident.to_string().as_str()) {
                page.hooks.push(ident.clone());
            }
            continue;
        }
        if marks.len() > 1 {
            return Err(syn::Error::new_spanned(
                marks[1],
                "one #[handler] per method",
            ));
        }
        let handler_names = handler_names(marks[0], ident)?;
        if HOOKS.contains(&ident.to_string().as_str()) {
            return Err(syn::Error::new_spanned(
                ident,
                format!("`{ident}` is a page lifecycle method, not a handler: remove #[handler]"),
            ));
        }
        for name in &handler_names {
            if let Some((_, first)) = names.iter().find(|(n, _)| n == name) {
                let mut error =
                    syn::Error::new(ident.span(), format!("two handlers are named `{name}`"));
                error.combine(syn::Error::new(*first, "the first is here"));
                return Err(error);
            }
            names.push((name.clone(), ident.span()));
        }
        let arg = handler_argument(method)?;
        page.handlers.push(Handler {
            names: handler_names,
            method: ident.clone(),
            arg,
        });
    }
    Ok(page)
}

/// `#[page]` or `#[component]` (`what`) goes on the type's own `impl`,
/// not a trait impl, and the type is not generic.
pub fn own_impl(item: &ItemImpl, what: &str) -> syn::Result<()> {
    if let Some((path, _)) = &item.trait_ {
        return Err(syn::Error::new_spanned(
            path,
            format!("#[{what}] goes on the {what} type's own `impl`, not a trait impl"),
        ));
    }
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            format!("a {what} type is not generic"),
        ));
    }
    Ok(())
}

/// `#[handler]` binds the method's own name; `#[handler("outerDown")]`
/// another (a template's `clear-done` or camelCase name), and
/// `#[handler("outerDown", "outerUp")]` several (the method tells them
/// apart by its `&Event`'s `handler`, if it needs to).
pub fn handler_names(mark: &Attribute, ident: &syn::Ident) -> syn::Result<Vec<String>> {
    let expected = "expected #[handler] or #[handler(\"name-in-the-template\", ...)]";
    let names = match &mark.meta {
        syn::Meta::Path(_) => vec![ident.to_string()],
        syn::Meta::List(list) => {
            let parser = Punctuated::<LitStr, Token![,]>::parse_terminated;
            let lits = (parser.parse2(list.tokens.clone()))
                .map_err(|e| syn::Error::new(e.span(), expected))?;
            if lits.is_empty() {
                return Err(syn::Error::new_spanned(mark, expected));
            }
            lits.iter().map(LitStr::value).collect()
        }
        syn::Meta::NameValue(_) => return Err(syn::Error::new_spanned(mark, expected)),
    };
    for name in &names {
        let mut chars = name.chars();
        let bindable = (chars.next())
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-'))
            && name.len() <= 128;
        if !bindable {
            return Err(syn::Error::new_spanned(
                mark,
                format!(
                    "`{name}` is not a handler name a template can bind (letters, digits, `_`, `$`, `-`; a letter, `_` or `$` first)"
                ),
            ));
        }
    }
    Ok(names)
}

/// A handler's shape: `fn NAME(&mut self) -> Result<()>` or
/// `fn NAME(&mut self, event: E) -> Result<()>`; the event type's own
/// check (`FromEvent`) is the compiler's.
fn handler_argument(method: &ImplItemFn) -> syn::Result<Option<Type>> {
    let sig = &method.sig;
    let shape = |what: &str| {
        syn::Error::new_spanned(
            &sig.ident,
            format!(
                "handler `{}` {what}: write `fn {}(&mut self, event: Tap) -> Result<()>` (the event is optional)",
                sig.ident, sig.ident
            ),
        )
    };
    if sig.asyncness.is_some() {
        return Err(shape(
            "is `async`: handlers return at once; start the waiting work with `task::spawn` and reach the page from it with `page::with_page`",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(shape("is generic"));
    }
    let mut inputs = sig.inputs.iter();
    let takes_mut_self = matches!(
        inputs.next(),
        Some(FnArg::Receiver(r)) if matches!(r.kind, ReceiverKind::Reference(_, _, Some(_)))
    );
    if !takes_mut_self {
        return Err(shape("must take `&mut self`"));
    }
    let arg = match inputs.next() {
        None => None,
        Some(FnArg::Typed(arg)) => Some((*arg.ty).clone()),
        Some(FnArg::Receiver(_)) => return Err(shape("takes `self` twice")),
    };
    if inputs.next().is_some() {
        return Err(shape("takes more than one event"));
    }
    if matches!(sig.output, syn::ReturnType::Default) {
        return Err(shape("returns nothing"));
    }
    Ok(arg)
}

/// A `#[page]` impl's attribute arguments as a token stream (`#[page]`
/// alone has none, which [`page_args`] refuses by name). The build's scan
/// reads attributes with it; the macro is given its arguments.
#[allow(dead_code)]
pub fn attr_tokens(attr: &Attribute) -> TokenStream {
    match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    }
}

/// One field of a `#[derive(PageData)]` struct.
pub struct DataField {
    /// Its name in the page's data, as serde writes it (after `rename`
    /// and the struct's `rename_all`).
    pub key: String,
    /// The Rust field.
    pub ident: syn::Ident,
    /// Its type.
    pub ty: Type,
}

/// The fields of a `#[derive(PageData)]` struct with their data names;
/// a field serde skips has none. Only structs with named fields.
pub fn data_fields(item: &syn::DeriveInput) -> syn::Result<Vec<DataField>> {
    let syn::Data::Struct(data) = &item.data else {
        return Err(syn::Error::new_spanned(
            &item.ident,
            "PageData goes on a struct with named fields (the page's data object)",
        ));
    };
    let syn::Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &item.ident,
            "PageData goes on a struct with named fields (the page's data object)",
        ));
    };
    let mut rename_all = None;
    for attr in item.attrs.iter().filter(|a| is_attr(a, "serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let style: LitStr = meta.value()?.parse()?;
                rename_all = Some(Case::of(&style)?);
            } else {
                skip_serde_option(&meta)?;
            }
            Ok(())
        })?;
    }
    let mut fields = Vec::new();
    for field in &named.named {
        let ident = field.ident.clone().expect("named fields have names");
        let mut key = None;
        let mut skipped = false;
        for attr in field.attrs.iter().filter(|a| is_attr(a, "serde")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    key = Some(segment(meta.value()?.parse::<LitStr>()?)?);
                } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                    skipped = true;
                } else if meta.path.is_ident("flatten") {
                    return Err(
                        meta.error("PageData cannot give paths through `flatten`: name the fields")
                    );
                } else {
                    skip_serde_option(&meta)?;
                }
                Ok(())
            })?;
        }
        if skipped {
            continue;
        }
        let written = ident.to_string();
        let written = written.strip_prefix("r#").unwrap_or(&written);
        let key =
            key.unwrap_or_else(|| rename_all.map_or(written.to_string(), |c| c.apply(written)));
        fields.push(DataField {
            key,
            ident,
            ty: field.ty.clone(),
        });
    }
    Ok(fields)
}

/// A field's `rename`, which must be one data path segment: a `.`, `[`
/// or `]` would make its typed path name another place (`a.b` is `b` in
/// `a`).
fn segment(name: LitStr) -> syn::Result<String> {
    let key = name.value();
    if key.is_empty() || key.contains(['.', '[', ']']) {
        return Err(syn::Error::new(
            name.span(),
            format!(
                "PageData does not take rename = \"{key}\": a data path segment is not empty \
                 and has no `.`, `[` or `]`"
            ),
        ));
    }
    Ok(key)
}

/// Step over a serde option PageData does not read (`default`,
/// `with = "..."`, `bound(...)`).
fn skip_serde_option(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// serde's `rename_all` styles that make a data path segment.
#[derive(Clone, Copy)]
enum Case {
    Lower,
    Upper,
    Camel,
    Pascal,
    Snake,
    ScreamingSnake,
}

impl Case {
    fn of(style: &LitStr) -> syn::Result<Case> {
        Ok(match style.value().as_str() {
            "lowercase" => Case::Lower,
            "UPPERCASE" => Case::Upper,
            "camelCase" => Case::Camel,
            "PascalCase" => Case::Pascal,
            "snake_case" => Case::Snake,
            "SCREAMING_SNAKE_CASE" => Case::ScreamingSnake,
            other => {
                return Err(syn::Error::new(
                    style.span(),
                    format!(
                        "PageData does not take rename_all = \"{other}\": its names are not data path segments"
                    ),
                ));
            }
        })
    }

    /// A snake_case field name in this style, as serde renames it.
    fn apply(self, field: &str) -> String {
        match self {
            Case::Lower | Case::Snake => field.to_string(),
            Case::Upper | Case::ScreamingSnake => field.to_ascii_uppercase(),
            Case::Camel | Case::Pascal => {
                let mut out = String::new();
                let mut upper = matches!(self, Case::Pascal);
                for c in field.chars() {
                    if c == '_' {
                        upper = true;
                    } else if upper {
                        out.push(c.to_ascii_uppercase());
                        upper = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data names of `struct D { #[serde(rename = RENAME)] a: u32 }`.
    fn renamed(rename: &str) -> Result<Vec<String>, String> {
        let text = format!("struct D {{ #[serde(rename = {rename:?})] a: u32 }}");
        let item: syn::DeriveInput = syn::parse_str(&text).unwrap();
        let fields = data_fields(&item).map_err(|e| e.to_string())?;
        Ok(fields.into_iter().map(|f| f.key).collect())
    }

    #[test]
    fn a_renamed_field_is_one_data_path_segment() {
        assert_eq!(renamed("totalPrice"), Ok(vec!["totalPrice".to_string()]));
        for bad in ["a.b", "items[0]", ""] {
            assert_eq!(
                renamed(bad),
                Err(format!(
                    "PageData does not take rename = \"{bad}\": a data path segment is not \
                     empty and has no `.`, `[` or `]`"
                )),
            );
        }
    }
}
