//! The miniapp SDK's macros; use them through `miniapp_sdk` (`#[miniapp_sdk::page]`,
//! `#[derive(miniapp_sdk::PageData)]`), whose docs describe them.
//!
//! - `#[page("ROUTE")]` on a page type's `impl`: its `#[handler]` methods
//!   become the page's handlers (a `match` on the handler's name, here and
//!   nowhere in the app), its methods named as WeChat's page hooks
//!   (`on_load`, `on_show`, ...) its hooks, and its handlers' names the
//!   page's entry in the package's meta.
//! - `#[handler]` anywhere else is refused: the build's scan reads
//!   handlers only inside `#[page]` impls, as this macro does.
//! - `#[derive(PageData)]` gives each field a typed data path.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

mod component_grammar;
mod components;
mod grammar;
mod property_grammar;

/// Make an `impl` a page: see `miniapp_sdk::page`.
#[proc_macro_attribute]
pub fn page(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand_page(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A page's handler; only inside a `#[page]` impl, which takes it away
/// before this runs: reaching here means the method is outside one.
#[proc_macro_attribute]
pub fn handler(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside(
        item,
        "#[handler] only marks a method of a `#[miniapp_sdk::page(\"ROUTE\")]` or `#[miniapp_sdk::component(\"PATH\")]` impl (put the attribute on the impl, or move the method into it)",
    )
}

/// `item` with the compile error `message` on it.
fn outside(item: TokenStream, message: &str) -> TokenStream {
    let item: Tokens = item.into();
    let error = syn::Error::new(item.span(), message).into_compile_error();
    quote!(#error #item).into()
}

/// Make an `impl` a custom component: see `miniapp_sdk::component`.
#[proc_macro_attribute]
pub fn component(attr: TokenStream, item: TokenStream) -> TokenStream {
    components::expand_component(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Make an `impl` a behavior components mix in: see `miniapp_sdk::component`.
#[proc_macro_attribute]
pub fn behavior(attr: TokenStream, item: TokenStream) -> TokenStream {
    components::expand_behavior(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A component's observer; only inside a `#[component]` impl, which
/// takes it away before this runs.
#[proc_macro_attribute]
pub fn observer(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside(
        item,
        "#[observer] only marks a method of a `#[miniapp_sdk::component(\"PATH\")]` impl",
    )
}

/// A component's properties: see `miniapp_sdk::Properties`.
#[proc_macro_derive(Properties, attributes(property, serde))]
pub fn properties(item: TokenStream) -> TokenStream {
    components::expand_properties(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Typed data paths for a page's data: see `miniapp_sdk::PageData`.
#[proc_macro_derive(PageData, attributes(serde))]
pub fn page_data(item: TokenStream) -> TokenStream {
    expand_page_data(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand_page(attr: Tokens, item: Tokens) -> syn::Result<Tokens> {
    let args = grammar::page_args(attr)?;
    let mut imp: syn::ItemImpl = syn::parse2(item)?;
    let page = grammar::page_impl(&imp)?;
    for entry in &mut imp.items {
        if let syn::ImplItem::Fn(method) = entry {
            method.attrs.retain(|a| !grammar::is_attr(a, "handler"));
        }
    }
    let ty = &imp.self_ty;
    let route = &args.route;
    let names: Vec<&str> = (page.handlers.iter())
        .flat_map(|h| h.names.iter().map(String::as_str))
        .collect();
    // Routes and handler names hold no character JSON would escape (the
    // grammar checks both), so the entry is written as it is.
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let meta = format!("\"{route}\":{{\"handlers\":[{}]}}", quoted.join(","));
    let arms = page.handlers.iter().map(|h| {
        let (names, method) = (&h.names, &h.method);
        match &h.arg {
            None => quote_spanned!(method.span()=> #(#names)|* => <#ty>::#method(self)),
            Some(arg) => quote_spanned!(arg.span()=>
                #(#names)|* => <#ty>::#method(self, <#arg as ::miniapp_sdk::page::FromEvent>::from_event(event)?)
            ),
        }
    });
    let hooks = page.hooks.iter().map(|hook| hook_forward(ty, hook));
    let data_check = args.data.map(|data| {
        quote_spanned!(data.span()=>
            const _: () = {
                fn page_data<T: ::miniapp_sdk::PageData>() {}
                let _ = page_data::<#data>;
            };
        )
    });
    Ok(quote! {
        #imp
        #data_check
        impl ::miniapp_sdk::page::Page for #ty {
            const ROUTE: &'static str = #route;
            const HANDLERS: &'static [&'static str] = &[#(#names),*];
            const META: &'static str = #meta;
            fn handle(&mut self, event: &::miniapp_sdk::Event) -> ::miniapp_sdk::Result<()> {
                match event.handler.as_str() {
                    #(#arms,)*
                    other => ::core::result::Result::Err(::miniapp_sdk::page::no_handler::<Self>(other)),
                }
            }
            #(#hooks)*
        }
    })
}

/// The `Page` trait method for hook `hook`, calling the page's own.
fn hook_forward(ty: &syn::Type, hook: &syn::Ident) -> Tokens {
    let sdk = quote!(::miniapp_sdk);
    let unit = quote!(#sdk::Result<()>);
    let (params, args, output) = match hook.to_string().as_str() {
        "on_load" => (quote!(query: &#sdk::page::Query), quote!(query), unit),
        "on_page_scroll" => (
            quote!(scroll: &#sdk::page::PageScroll),
            quote!(scroll),
            unit,
        ),
        "on_resize" => (quote!(size: &#sdk::page::Resize), quote!(size), unit),
        "on_tab_item_tap" => (quote!(tap: &#sdk::page::TabItemTap), quote!(tap), unit),
        "on_theme_change" => (quote!(theme: &str), quote!(theme), unit),
        "on_share_app_message" => (
            quote!(from: &#sdk::page::ShareFrom),
            quote!(from),
            quote!(#sdk::Result<::core::option::Option<#sdk::page::Share>>),
        ),
        "on_share_timeline" => (
            quote!(),
            quote!(),
            quote!(#sdk::Result<::core::option::Option<#sdk::page::Share>>),
        ),
        _ => (quote!(), quote!(), unit),
    };
    let trait_method = format_ident!("{}", hook);
    quote_spanned! {hook.span()=>
        fn #trait_method(&mut self, #params) -> #output {
            <#ty>::#hook(self, #args)
        }
    }
}

fn expand_page_data(item: Tokens) -> syn::Result<Tokens> {
    let input: syn::DeriveInput = syn::parse2(item)?;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "PageData goes on a struct without generics",
        ));
    }
    let fields = grammar::data_fields(&input)?;
    let ty = &input.ident;
    let vis = &input.vis;
    let paths = format_ident!("{}Paths", ty);
    let keys: Vec<&str> = fields.iter().map(|f| f.key.as_str()).collect();
    let roots = fields.iter().map(|f| {
        let (ident, key, field_ty) = (&f.ident, &f.key, &f.ty);
        let doc = format!("The data path `{key}`.");
        quote! {
            #[doc = #doc]
            #vis fn #ident() -> ::miniapp_sdk::Path<#field_ty> {
                ::miniapp_sdk::Path::root(#key)
            }
        }
    });
    let nested_sigs = fields.iter().map(|f| {
        let (ident, key, field_ty) = (&f.ident, &f.key, &f.ty);
        let doc = format!("The path of field `{key}` under this one.");
        quote!(#[doc = #doc] fn #ident(self) -> ::miniapp_sdk::Path<#field_ty>;)
    });
    let nested = fields.iter().map(|f| {
        let (ident, key, field_ty) = (&f.ident, &f.key, &f.ty);
        quote!(fn #ident(self) -> ::miniapp_sdk::Path<#field_ty> { self.field(#key) })
    });
    let trait_doc = format!(
        "The paths of a `{ty}`'s fields under a path to one (`Data::items().at(2).done()`); bring it into scope where `{ty}` is not."
    );
    Ok(quote! {
        #[allow(dead_code)]
        impl #ty {
            #(#roots)*
        }
        #[doc = #trait_doc]
        #[allow(dead_code)]
        #vis trait #paths {
            #(#nested_sigs)*
        }
        impl #paths for ::miniapp_sdk::Path<#ty> {
            #(#nested)*
        }
        impl ::miniapp_sdk::PageData for #ty {
            const FIELDS: &'static [&'static str] = &[#(#keys),*];
        }
    })
}
