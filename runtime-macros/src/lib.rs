//! The runtime's own proc macros. `#[recorded]` on an `impl xxx::Host for
//! ...` block of the host API makes each of its methods go through the
//! instance's tape (`runtime/src/replay/`): while recording, its result is
//! appended; while replaying, its result is answered from the recording
//! and its body never runs (no network, no store write, no prompt).
//! `#[recorded(output)]` marks the app's output to its own page (set-data,
//! navigation, the frame the host renders): on replay its body runs against
//! the replay's own page state, and the recording only checks it is the
//! call the guest made then.

use proc_macro::TokenStream;
use quote::{ToTokens, quote};
use syn::{ImplItem, ItemImpl, ReturnType, parse_macro_input};

/// Record each method of a host API impl block (see the crate's docs).
#[proc_macro_attribute]
pub fn recorded(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = match attr.to_string().trim() {
        "" => false,
        "output" => true,
        other => {
            let message = format!("#[recorded] takes nothing or `output`, not `{other}`");
            return quote!(compile_error!(#message);).into();
        }
    };
    let mut block = parse_macro_input!(item as ItemImpl);
    let Some(interface) = interface_of(&block) else {
        let message = "#[recorded] goes on an `impl <interface>::Host for ...` block";
        return quote!(compile_error!(#message);).into();
    };
    for item in &mut block.items {
        if let ImplItem::Fn(method) = item {
            if method.sig.ident == "convert_error" {
                continue;
            }
            let ReturnType::Type(_, ret) = &method.sig.output else {
                continue;
            };
            let ret = ret.to_token_stream();
            let name = format!(
                "{interface}.{}",
                method.sig.ident.to_string().replace('_', "-")
            );
            let body = &method.block;
            let run = match method.sig.asyncness {
                Some(_) => quote!(async { let __result: #ret = #body; __result }.await),
                None => quote!((|| -> #ret { #body })()),
            };
            let answer = match output {
                false => quote! {
                    if let ::std::option::Option::Some(__answer) =
                        crate::replay::answer::<#ret>(crate::replay::Taped::tape(&*self), #name)
                    {
                        return __answer;
                    }
                },
                true => quote! {
                    if let ::std::option::Option::Some(__answer) =
                        crate::replay::check_output::<#ret>(crate::replay::Taped::tape(&*self), #name)
                    {
                        return __answer;
                    }
                },
            };
            let record = match output {
                false => quote! {
                    crate::replay::record::<#ret>(crate::replay::Taped::tape(&*self), #name, &__result);
                },
                true => quote! {
                    crate::replay::record_output(crate::replay::Taped::tape(&*self), #name);
                },
            };
            let wrapped = quote! {{
                #answer
                let __result: #ret = #run;
                #record
                __result
            }};
            method.block = syn::parse2(wrapped).expect("a block parses");
        }
    }
    block.into_token_stream().into()
}

/// `storage` of `impl storage::Host for ...` (its WIT name, with hyphens).
fn interface_of(block: &ItemImpl) -> Option<String> {
    let (path, _) = block.trait_.as_ref()?;
    let segments: Vec<_> = path.segments.iter().collect();
    let [.., interface, host] = segments.as_slice() else {
        return None;
    };
    (host.ident == "Host").then(|| interface.ident.to_string().replace('_', "-"))
}
