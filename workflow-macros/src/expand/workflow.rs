//! `#[workflow]`: the `WorkflowDefinition` impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{decode_body, encode_body, input_type, payload_type_checks, spread_input};
use crate::model::Workflow;

pub(crate) fn definition(workflow: &Workflow<'_>) -> TokenStream {
    let Some(run) = &workflow.run else {
        return TokenStream::new();
    };
    let krate = &workflow.krate;
    let p = quote!(#krate::__private);
    let self_ty = workflow.self_ty;
    let name = &workflow.wire_name;
    let run_ident = run.ident;
    let input = input_type(&run.inputs);
    let output = run.output;
    let what = format!("workflow `{name}`");
    let encode = encode_body(krate, &run.inputs);
    let decode = decode_body(krate, &run.inputs, &what);
    let spread = spread_input(&run.inputs);
    // Spanned at the state type, so a missing `Default` is reported there.
    let initial =
        quote_spanned!(self_ty.span()=> <#self_ty as ::core::default::Default>::default());
    let mut types = run.inputs.clone();
    types.push(output);
    let type_checks = payload_type_checks(krate, &types);
    quote! {
        #type_checks

        #[automatically_derived]
        impl #p::WorkflowDefinition for #self_ty {
            const NAME: &'static str = #name;
            type Input = #input;
            type Output = #output;

            fn initial_state() -> Self {
                #initial
            }

            fn encode_input(input: &Self::Input) -> #p::Result<#p::Vec<#p::Payload>, #p::PayloadError> {
                #encode
            }

            fn decode_input(payloads: &[#p::Payload]) -> #p::Result<Self::Input, #p::PayloadError> {
                #decode
            }

            fn execute(
                ctx: #p::WorkflowContext<Self>,
                input: Self::Input,
            ) -> #p::LocalBoxFuture<'static, #p::WorkflowResult<Self::Output>> {
                #p::Box::pin(Self::#run_ident(ctx #spread))
            }
        }
    }
}
