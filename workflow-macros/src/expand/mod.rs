//! model -> tokens. Generated code is thin: trait impls whose bodies call generic functions in
//! `workflow_runtime::__private`.

pub(crate) mod activity;
pub(crate) mod workflow;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The Rust type of the input: `()`, the single argument's type, or a tuple.
pub(crate) fn input_type(inputs: &[&syn::Type]) -> TokenStream {
    match inputs {
        [single] => quote!(#single),
        many => quote!((#(#many,)*)),
    }
}

/// Body of `encode_input(input: &Self::Input)`. Each `encode` call is spanned at its
/// argument's type, so a type that cannot be serialized is reported there.
pub(crate) fn encode_body(krate: &syn::Path, inputs: &[&syn::Type]) -> TokenStream {
    use syn::spanned::Spanned;
    let p = quote!(#krate::__private);
    match inputs {
        [] => quote!(#p::Result::Ok(#p::Vec::new())),
        [single] => {
            let encode = quote::quote_spanned!(single.span()=> #p::encode(input)?);
            quote!(#p::Result::Ok(::std::vec![#encode]))
        }
        many => {
            let encoded = many.iter().enumerate().map(|(i, ty)| {
                let field = syn::Index::from(i);
                quote::quote_spanned!(ty.span()=> #p::encode(&input.#field)?)
            });
            quote!(#p::Result::Ok(::std::vec![#(#encoded),*]))
        }
    }
}

/// Body of `decode_input(payloads: &[Payload])`; `what` names the call in errors. More
/// payloads than declared arguments fail the call (`check_arg_count`); each declared argument
/// then decodes on its own, a missing one as `null`.
pub(crate) fn decode_body(krate: &syn::Path, inputs: &[&syn::Type], what: &str) -> TokenStream {
    let p = quote!(#krate::__private);
    let declared = inputs.len();
    let check = quote!(#p::check_arg_count(payloads, #declared, #what));
    match inputs {
        [] => check,
        [single] => {
            let decode = quote::quote_spanned!(syn::spanned::Spanned::span(single)=> #p::decode_arg::<#single>(payloads, 0, #what));
            quote!(#check.and_then(|()| #decode))
        }
        many => {
            let decoded = many.iter().enumerate().map(|(i, ty)| {
                quote::quote_spanned!(syn::spanned::Spanned::span(ty)=> #p::decode_arg::<#ty>(payloads, #i, #what)?)
            });
            quote!(#check.and_then(|()| #p::Result::<_, #p::PayloadError>::Ok((#(#decoded,)*))))
        }
    }
}

/// The arguments that spread `input` back into a call.
pub(crate) fn spread_input(inputs: &[&syn::Type]) -> TokenStream {
    match inputs.len() {
        0 => quote!(),
        1 => quote!(, input),
        n => {
            let fields = (0..n).map(syn::Index::from);
            quote!(#(, input.#fields)*)
        }
    }
}

/// Name of the generated marker type of an activity.
pub(crate) fn activity_marker(receiver: Option<&syn::Type>, ident: &syn::Ident) -> syn::Ident {
    let owner = receiver
        .and_then(|ty| match ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        })
        .map(|owner| format!("{owner}_"))
        .unwrap_or_default();
    format_ident!("__activity_{}{}", owner, ident)
}

/// A never-called function that asks rustc to check that every argument and result type is a
/// payload type; spanned at each type, so a missing serde derive is reported on the type.
pub(crate) fn payload_type_checks(krate: &syn::Path, types: &[&syn::Type]) -> TokenStream {
    use syn::spanned::Spanned;
    let checks = types.iter().map(
        |ty| quote::quote_spanned!(ty.span()=> #krate::__private::assert_payload_type::<#ty>();),
    );
    quote! {
        const _: fn() = || {
            #(#checks)*
        };
    }
}

/// `const _: __private::Version<MAJOR, MINOR> = __private::VERSION;` with this crate's major and
/// minor version: emitted once per expansion, it refuses a runtime of another version, with an
/// error that names both (see `Version` in the runtime's `__private`).
pub(crate) fn version_check(krate: &syn::Path) -> TokenStream {
    let major = syn::LitInt::new(
        env!("CARGO_PKG_VERSION_MAJOR"),
        proc_macro2::Span::call_site(),
    );
    let minor = syn::LitInt::new(
        env!("CARGO_PKG_VERSION_MINOR"),
        proc_macro2::Span::call_site(),
    );
    quote! {
        const _: #krate::__private::Version<#major, #minor> = #krate::__private::VERSION;
    }
}
