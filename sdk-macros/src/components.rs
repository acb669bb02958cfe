//! `#[component(...)]` and `#[derive(Properties)]`: the code the grammar
//! of `component_grammar.rs` reads becomes.

use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::component_grammar::{self, ComponentImpl};
use crate::grammar;
use crate::property_grammar;

/// `#[component("PATH", ...)]` on an impl.
pub fn expand_component(attr: Tokens, item: Tokens) -> syn::Result<Tokens> {
    let args = component_grammar::component_args(attr)?;
    let mut imp: syn::ItemImpl = syn::parse2(item)?;
    let read = component_grammar::component_impl(&imp)?;
    unmark(&mut imp);
    let sdk = quote!(::miniapp_sdk);
    let ty = &imp.self_ty;
    let path = &args.path;
    let properties = (args.properties.as_ref())
        .map_or_else(|| quote!(#sdk::component::NoProperties), |p| quote!(#p));
    let data = (args.data.as_ref()).map_or_else(|| quote!(#sdk::component::NoData), |d| quote!(#d));
    let data_check = quote_spanned!(data.span()=>
        const _: () = {
            fn page_data<T: #sdk::PageData>() {}
            let _ = page_data::<#data>;
        };
    );
    let names: Vec<&str> = (read.handlers.iter())
        .flat_map(|h| h.names.iter().map(String::as_str))
        .collect();
    let arms = read.handlers.iter().map(|h| {
        let (names, method) = (&h.names, &h.method);
        match &h.arg {
            None => quote_spanned!(method.span()=> #(#names)|* => <#ty>::#method(self, this)),
            Some(arg) => quote_spanned!(arg.span()=>
                #(#names)|* => <#ty>::#method(self, this, <#arg as #sdk::page::FromEvent>::from_event(event)?)
            ),
        }
    });
    let observe = observe(ty, &read, quote!(#sdk::Instance<Self>));
    let hooks = (read.lifetimes.iter().chain(&read.page_lifetimes)).map(|hook| {
        let trait_method = format_ident!("{}", hook);
        if hook == "on_page_resize" {
            quote_spanned!(hook.span()=>
                fn #trait_method(&mut self, this: &#sdk::Instance<Self>, size: &#sdk::page::Resize) -> #sdk::Result<()> {
                    <#ty>::#hook(self, this, size)
                }
            )
        } else {
            quote_spanned!(hook.span()=>
                fn #trait_method(&mut self, this: &#sdk::Instance<Self>) -> #sdk::Result<()> {
                    <#ty>::#hook(self, this)
                }
            )
        }
    });
    let meta = meta_parts(&args, &read, &properties);
    let behavior_fields = args
        .behaviors
        .iter()
        .map(|(field, _)| quote!(&mut self.#field as &mut dyn #sdk::component::AnyBehavior));
    let relation_hooks = read.relation_hooks.iter().map(|hook| {
        quote_spanned!(hook.span()=>
            fn #hook(&mut self, this: &#sdk::Instance<Self>, relation: &str, other: u32) -> #sdk::Result<()> {
                <#ty>::#hook(self, this, relation, other)
            }
        )
    });
    Ok(quote! {
        #imp
        #data_check
        impl #sdk::component::Component for #ty {
            const PATH: &'static str = #path;
            const HANDLERS: &'static [&'static str] = &[#(#names),*];
            const META: &'static [&'static str] = &[#(#meta),*];
            type Properties = #properties;
            type Data = #data;
            fn handle(&mut self, this: &#sdk::Instance<Self>, event: &#sdk::Event) -> #sdk::Result<()> {
                match event.handler.as_str() {
                    #(#arms,)*
                    other => ::core::result::Result::Err(#sdk::component::no_handler::<Self>(other)),
                }
            }
            #observe
            #(#hooks)*
            #(#relation_hooks)*
            fn behaviors(&mut self) -> ::std::vec::Vec<&mut dyn #sdk::component::AnyBehavior> {
                ::std::vec![#(#behavior_fields),*]
            }
        }
    })
}

/// The parts of a component's meta entry: its own properties and handlers,
/// then its behaviors' (WeChat's `behaviors`) as its `behaviors` list.
fn meta_parts(
    args: &component_grammar::ComponentArgs,
    read: &ComponentImpl,
    properties: &Tokens,
) -> Vec<Tokens> {
    let sdk = quote!(::miniapp_sdk);
    let (head, tail) = component_grammar::component_meta(args, read);
    let own = quote!(<#properties as #sdk::component::Properties>::META);
    if args.behaviors.is_empty() {
        return vec![quote!(#head), own, quote!(#tail)];
    }
    // Its behaviors as the meta's `behaviors` list; the host merges them
    // (the component's own declaration of a name wins).
    let open = tail
        .strip_suffix('}')
        .expect("the meta's tail closes the entry");
    let mut parts = vec![
        quote!(#head),
        own,
        quote!(#open),
        quote!(",\"behaviors\":["),
    ];
    for (i, (_, ty)) in args.behaviors.iter().enumerate() {
        let comma = if i == 0 { "" } else { "," };
        parts.push(quote!(#comma));
        let name = ty.segments.last().map(|s| s.ident.to_string());
        let open = format!(
            "{{\"name\":\"{}\",\"properties\":",
            name.unwrap_or_default()
        );
        parts.push(quote!(#open));
        parts.push(quote!(<#ty as #sdk::component::Behavior>::PROPERTIES));
        parts.push(quote!(",\"handlers\":["));
        parts.push(quote!(<#ty as #sdk::component::Behavior>::HANDLERS_JSON));
        parts.push(quote!("]}"));
    }
    parts.push(quote!("]}"));
    parts
}

/// `#[behavior(properties = P, data = D)]` on an impl: WeChat's
/// `Behavior({...})`, its lifetimes and handlers taking `this: &Shared`.
pub fn expand_behavior(attr: Tokens, item: Tokens) -> syn::Result<Tokens> {
    let args = component_grammar::behavior_args(attr)?;
    let mut imp: syn::ItemImpl = syn::parse2(item)?;
    let read = component_grammar::component_impl(&imp)?;
    let extra = (read.page_lifetimes.first()).or(read.relation_hooks.first());
    if let Some(method) = extra {
        return Err(syn::Error::new_spanned(
            method,
            "a behavior has lifetimes (created, attached, ready, moved, detached), observers and handlers only",
        ));
    }
    unmark(&mut imp);
    let sdk = quote!(::miniapp_sdk);
    let ty = &imp.self_ty;
    let properties = (args.properties.as_ref())
        .map_or_else(|| quote!(#sdk::component::NoProperties), |p| quote!(#p));
    let data = (args.data.as_ref()).map_or_else(|| quote!(#sdk::component::NoData), |d| quote!(#d));
    let names: Vec<&str> = (read.handlers.iter())
        .flat_map(|h| h.names.iter().map(String::as_str))
        .collect();
    let json = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(",");
    let arms = read.handlers.iter().map(|h| {
        let (names, method) = (&h.names, &h.method);
        match &h.arg {
            None => quote_spanned!(method.span()=> #(#names)|* => <#ty>::#method(self, this)),
            Some(arg) => quote_spanned!(arg.span()=>
                #(#names)|* => (|| <#ty>::#method(self, this, <#arg as #sdk::page::FromEvent>::from_event(event)?))()
            ),
        }
    });
    let observe = observe(ty, &read, quote!(#sdk::component::Shared<'_>));
    let lifetimes = read.lifetimes.iter().map(|hook| {
        let name = hook.to_string();
        let which = format_ident!("{}{}", name[..1].to_uppercase(), &name[1..]);
        quote_spanned!(hook.span()=> #sdk::component::Lifetime::#which => <#ty>::#hook(self, this))
    });
    Ok(quote! {
        #imp
        impl #sdk::component::Behavior for #ty {
            const PROPERTIES: &'static str = <#properties as #sdk::component::Properties>::META;
            const HANDLERS: &'static [&'static str] = &[#(#names),*];
            const HANDLERS_JSON: &'static str = #json;
            type Data = #data;
            fn handle(
                &mut self,
                this: &#sdk::component::Shared<'_>,
                event: &#sdk::Event,
            ) -> ::core::option::Option<#sdk::Result<()>> {
                let _ = (this, event);
                ::core::option::Option::Some(match event.handler.as_str() {
                    #(#arms,)*
                    _ => return ::core::option::Option::None,
                })
            }
            #observe
            fn lifetime(
                &mut self,
                which: #sdk::component::Lifetime,
                this: &#sdk::component::Shared<'_>,
            ) -> #sdk::Result<()> {
                let _ = this;
                #[allow(unreachable_patterns)]
                match which {
                    #(#lifetimes,)*
                    _ => ::core::result::Result::Ok(()),
                }
            }
        }
    })
}

/// Take the `#[handler]` and `#[observer]` marks off `imp`'s methods
/// (read already).
fn unmark(imp: &mut syn::ItemImpl) {
    for entry in &mut imp.items {
        if let syn::ImplItem::Fn(method) = entry {
            (method.attrs)
                .retain(|a| !grammar::is_attr(a, "handler") && !grammar::is_attr(a, "observer"));
        }
    }
}

/// `Component::observe`: each observer whose keys a change matches, once,
/// in the order written.
fn observe(ty: &syn::Type, read: &ComponentImpl, this_ty: Tokens) -> Tokens {
    let sdk = quote!(::miniapp_sdk);
    let calls = read.observers.iter().map(|o| {
        let (keys, method) = (&o.keys, &o.method);
        if o.with_old {
            quote_spanned!(method.span()=>
                if let ::core::option::Option::Some(old) = #sdk::component::old_value(#keys, changed) {
                    <#ty>::#method(self, this, &old)?;
                }
            )
        } else {
            quote_spanned!(method.span()=>
                if #sdk::component::observed(#keys, changed) {
                    <#ty>::#method(self, this)?;
                }
            )
        }
    });
    quote! {
        fn observe(&mut self, this: &#this_ty, changed: &[#sdk::component::Changed]) -> #sdk::Result<()> {
            let _ = (this, changed);
            #(#calls)*
            ::core::result::Result::Ok(())
        }
    }
}

/// `#[derive(Properties)]` on a struct.
pub fn expand_properties(item: Tokens) -> syn::Result<Tokens> {
    let input: syn::DeriveInput = syn::parse2(item)?;
    let fields = property_grammar::property_fields(&input)?;
    let meta = property_grammar::properties_meta(&fields);
    let ty = &input.ident;
    // A property only its template reads is read here, so the app needs no
    // `#[allow(dead_code)]` (the allowed function is a root of rustc's
    // dead-code walk, its reads count).
    let syn::Data::Struct(data) = &input.data else {
        unreachable!("property_fields takes structs only");
    };
    let read = data.fields.iter().filter_map(|f| f.ident.as_ref());
    Ok(quote! {
        impl ::miniapp_sdk::component::Properties for #ty {
            const META: &'static str = #meta;
        }
        impl #ty {
            #[doc(hidden)]
            #[allow(dead_code)]
            fn __miniapp_read_by_template(&self) {
                #(let _ = &self.#read;)*
            }
        }
    })
}
