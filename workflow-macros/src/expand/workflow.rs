//! `#[workflow]`: the `WorkflowDefinition` impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{decode_body, encode_body, input_type, payload_type_checks, spread_input};
use crate::model::{Handler, HandlerKind, InitialState, Versioning, Workflow};

/// The `WorkflowDefinition` impl. It is emitted even when the impl has errors (thiserror's
/// fallback), so code that registers or starts the workflow adds none of its own: without a
/// valid `#[run]` method the input and output are the best types known (`()` otherwise), and
/// the state and the run are `unreachable!()`, code that type-checks and is never run.
pub(crate) fn definition(workflow: &Workflow<'_>) -> TokenStream {
    let krate = &workflow.krate;
    let p = quote!(#krate::__private);
    let self_ty = workflow.self_ty;
    let name = &workflow.wire_name;
    let inputs = workflow
        .run
        .as_ref()
        .map(|run| run.inputs.clone())
        .unwrap_or_default();
    let output = match workflow.run.as_ref().and_then(|run| run.output) {
        Some(output) => quote!(#output),
        None => quote!(()),
    };

    let what = format!("workflow `{name}`");
    // A dynamic workflow's run takes the arguments as sent.
    let dynamic = workflow.dynamic.is_some();
    let input = if dynamic {
        quote!(#p::Vec<#p::Payload>)
    } else {
        input_type(&inputs)
    };
    let (encode, decode) = if dynamic {
        (
            quote!(#p::Result::Ok(::std::clone::Clone::clone(input))),
            quote!(#p::Result::Ok(payloads.to_vec())),
        )
    } else {
        (
            encode_body(krate, &inputs),
            decode_body(krate, &inputs, &what),
        )
    };
    let (initial, execute) = match &workflow.run {
        Some(run) if run.valid => {
            let run_ident = run.ident;
            let spread = spread_input(&inputs);
            (
                initial_state(self_ty, &workflow.state),
                quote!(#p::Box::pin(Self::#run_ident(ctx #spread))),
            )
        }
        _ => (
            initial_state(self_ty, &InitialState::Invalid),
            quote!(let _ = (ctx, input); ::core::unreachable!()),
        ),
    };
    let mut types = if dynamic { Vec::new() } else { inputs.clone() };
    types.extend(workflow.run.as_ref().and_then(|run| run.output));
    for handler in workflow.handlers.iter().filter(|h| h.wire_name.is_some()) {
        types.extend(handler.inputs.iter().copied());
        types.extend(handler.output);
    }
    let type_checks = payload_type_checks(krate, &types);
    let versioning = workflow.versioning.map(|versioning| {
        let behavior = match versioning {
            Versioning::Pinned => quote!(Pinned),
            Versioning::AutoUpgrade => quote!(AutoUpgrade),
        };
        quote!(const VERSIONING: #p::Option<#p::VersioningBehavior> =
            #p::Option::Some(#p::VersioningBehavior::#behavior);)
    });
    let handlers = workflow
        .handlers
        .iter()
        .map(|handler| handler_entry(krate, self_ty, name, handler));
    let dynamic = dynamic.then(|| {
        quote!(
            const DYNAMIC: bool = true;
        )
    });
    let commands = crate::commands::fingerprint(workflow.original);
    let commands = (!commands.is_empty())
        .then(|| quote!(const COMMANDS: &'static [&'static str] = &[#(#commands),*];));
    quote! {
        #type_checks

        #[automatically_derived]
        impl #p::WorkflowDefinition for #self_ty {
            const NAME: &'static str = #name;
            #versioning
            #dynamic
            #commands
            type Input = #input;
            type Output = #output;

            fn initial_state(input: &Self::Input) -> Self {
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
                #execute
            }

            fn handlers() -> &'static #p::Handlers<Self> {
                static HANDLERS: #p::OnceLock<#p::Handlers<#self_ty>> = #p::OnceLock::new();
                HANDLERS.get_or_init(|| #p::Handlers::default() #(#handlers)*)
            }
        }
    }
}

/// What each named handler leaves under its method's name: a `SignalMethod`, `QueryMethod` or
/// `UpdateMethod` const holding the wire name and the method (renamed, see
/// `Handler::method_ident`) as a function pointer. Clients pass it by the method's path, and
/// only these consts are handlers, so a wrong method is a compile error; it dereferences to
/// the function, so `Order::approve(&mut order, true)` still calls the method. An async
/// handler's future is boxed: a function pointer cannot name it otherwise.
pub(crate) fn handler_references(workflow: &Workflow<'_>) -> TokenStream {
    let krate = &workflow.krate;
    let p = quote!(#krate::__private);
    let self_ty = workflow.self_ty;
    let consts = workflow.handlers.iter().filter(|h| h.is_named()).map(|handler| {
        let ident = handler.ident;
        let method = handler.method_ident();
        let name = handler.wire_name.as_deref().unwrap_or_default();
        let vis = &handler.method.vis;
        let docs = handler
            .method
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"));
        let inputs = &handler.inputs;
        let output = &handler.method.sig.output;
        let returns = match output {
            syn::ReturnType::Default => quote!(()),
            syn::ReturnType::Type(_, ty) => quote!(#ty),
        };
        let reference = match handler.kind {
            HandlerKind::Signal => quote!(#p::SignalMethod),
            HandlerKind::Query => quote!(#p::QueryMethod),
            HandlerKind::Update => quote!(#p::UpdateMethod),
        };
        let (pointer, function) = if handler.is_async {
            let args: Vec<syn::Ident> = (0..inputs.len())
                .map(|i| quote::format_ident!("arg{}", i))
                .collect();
            (
                quote!(fn(#p::WorkflowContext<#self_ty> #(, #inputs)*) -> #p::LocalBoxFuture<'static, #returns>),
                quote!(|ctx #(, #args)*| #p::Box::pin(<#self_ty>::#method(ctx #(, #args)*))),
            )
        } else {
            let receiver = match handler.kind {
                HandlerKind::Query => quote!(&#self_ty),
                _ => quote!(&mut #self_ty),
            };
            if handler.takes_context {
                (
                    quote!(#p::WithContext<fn(#receiver, &#p::HandlerContext #(, #inputs)*) #output>),
                    quote!(#p::WithContext::new(<#self_ty>::#method)),
                )
            } else {
                (
                    quote!(fn(#receiver #(, #inputs)*) #output),
                    quote!(<#self_ty>::#method),
                )
            }
        };
        quote_spanned! {ident.span()=>
            #(#docs)*
            #[allow(non_upper_case_globals, dead_code)]
            #vis const #ident: #reference<#pointer> = #reference::new(#name, #function);
        }
    });
    let consts: Vec<TokenStream> = consts.collect();
    if consts.is_empty() {
        return quote!();
    }
    quote! {
        impl #self_ty {
            #(#consts)*
        }
    }
}

/// Body of `initial_state(input: &Self::Input)`: `Default::default()`, or the `#[init]` method
/// called with a borrow of each argument. Each borrow is spanned at the init's parameter, so a
/// type that does not match the run's argument is reported there.
fn initial_state(self_ty: &syn::Type, state: &InitialState<'_>) -> TokenStream {
    let init = match state {
        // Spanned at the state type, so a missing `Default` is reported there.
        InitialState::Default => {
            let default =
                quote_spanned!(self_ty.span()=> <#self_ty as ::core::default::Default>::default());
            return quote!(let _ = input; #default);
        }
        // Its errors are reported; this body is never compiled into a program.
        InitialState::Invalid => return quote!(let _ = input; ::core::unreachable!()),
        InitialState::Init(init) => init,
    };
    let ident = init.ident;
    let borrows: Vec<TokenStream> = match init.inputs.as_slice() {
        [] => return quote!(let _ = input; <#self_ty>::#ident()),
        [single] => vec![quote_spanned!(single.span()=> input)],
        many => many
            .iter()
            .enumerate()
            .map(|(i, ty)| {
                let index = syn::Index {
                    index: i as u32,
                    span: ty.span(),
                };
                quote_spanned!(ty.span()=> &input.#index)
            })
            .collect(),
    };
    quote!(<#self_ty>::#ident(#(#borrows),*))
}

/// One `.signal(..)` / `.query(..)` / `.update(..)` call that adds a handler to the table: a
/// non-capturing closure (a plain function pointer) that decodes the arguments and calls the
/// method.
fn handler_entry(
    krate: &syn::Path,
    self_ty: &syn::Type,
    workflow_name: &str,
    handler: &Handler<'_>,
) -> TokenStream {
    let p = quote!(#krate::__private);
    let ident = handler.method_ident();
    let name = match &handler.wire_name {
        Some(name) => quote!(#p::Option::Some(#name)),
        None => quote!(#p::Option::None),
    };
    let what = format!(
        "{} `{}` of workflow `{workflow_name}`",
        handler.kind.attr(),
        handler.wire_name.as_deref().unwrap_or("(dynamic)")
    );
    // `input` holds the decoded arguments; `args` spreads them into the call.
    let decode_inputs = {
        let input = input_type(&handler.inputs);
        let decode = decode_body(krate, &handler.inputs, &what);
        quote!(let input: #input = { #decode }?;)
    };
    // A dynamic handler gets the name and the raw payloads instead.
    let (decode, args) = if handler.wire_name.is_none() {
        (
            quote!(),
            quote!(, #p::String::from(handler_name), payloads.to_vec()),
        )
    } else {
        (decode_inputs.clone(), spread_input(&handler.inputs))
    };
    let receiver = if handler.is_async {
        quote!(ctx: #p::WorkflowContext<#self_ty>)
    } else if handler.kind == HandlerKind::Query {
        quote!(state: &#self_ty)
    } else {
        quote!(state: &mut #self_ty)
    };
    let target = if handler.is_async {
        quote!(ctx)
    } else if handler.takes_context {
        quote!(state, handler_ctx)
    } else {
        quote!(state)
    };
    // Sync handlers get the run's `HandlerContext`, which the method may take.
    let params = if handler.is_async {
        quote!(|#receiver, handler_name: &str, payloads: &[#p::Payload]|)
    } else {
        quote!(|#receiver, handler_ctx: &#p::HandlerContext, handler_name: &str, payloads: &[#p::Payload]|)
    };
    let call = quote!(<#self_ty>::#ident(#target #args));
    let silence = if handler.is_async {
        quote!(let _ = handler_name;)
    } else {
        quote!(let _ = (handler_name, handler_ctx);)
    };
    match (handler.kind, handler.is_async) {
        (HandlerKind::Signal, false) => quote! {
            .signal(#name, #p::SignalHandler::Sync(
                #params -> #p::Result<(), #p::PayloadError> {
                    #silence #decode #call; #p::Result::Ok(())
                }
            ))
        },
        (HandlerKind::Signal, true) => quote! {
            .signal(#name, #p::SignalHandler::Async(
                #params -> #p::Result<#p::LocalBoxFuture<'static, #p::WorkflowResult<()>>, #p::PayloadError> {
                    #silence #decode #p::Result::Ok(#p::signal_future(#call))
                }
            ))
        },
        (HandlerKind::Query, _) => quote! {
            .query(#name,
                #params -> #p::Result<#p::Payload, #p::PayloadError> {
                    #silence #decode #p::encode(&#call)
                }
            )
        },
        (HandlerKind::Update, is_async) => {
            // The outcome goes through `<Result<T, E> as UpdateResult>` spelled at the user's
            // return type, so an `E` that does not convert into `WorkflowError` is reported
            // there rather than inside generated code.
            let outcome = match handler.update_result {
                Some(ty) => quote_spanned!(ty.span()=> <#ty as #p::UpdateResult>::into_outcome),
                None => quote!(#p::UpdateResult::into_outcome),
            };
            let run = if is_async {
                quote! {
                    #p::UpdateHandler::Async(
                        #params -> #p::Result<#p::LocalBoxFuture<'static, #p::Result<#p::Payload, #p::WorkflowError>>, #p::PayloadError> {
                            #silence #decode #p::Result::Ok(#p::update_future(async move { #outcome(#call.await) }))
                        }
                    )
                }
            } else {
                quote! {
                    #p::UpdateHandler::Sync(
                        #params -> #p::Result<#p::Result<#p::Payload, #p::WorkflowError>, #p::PayloadError> {
                            #silence #decode #p::Result::Ok(#outcome(#call))
                        }
                    )
                }
            };
            let validator = match &handler.validator {
                None => quote!(#p::Option::None),
                Some(validator) => {
                    let validator_ident = validator.ident;
                    // Each borrow is spanned at the validator's parameter, so a type that does
                    // not match the update's argument is reported there.
                    let single = handler.inputs.len() == 1;
                    let borrows = validator.inputs.iter().enumerate().map(|(i, ty)| {
                        let span = ty.span();
                        if single {
                            quote_spanned!(span=> &input)
                        } else {
                            let index = syn::Index {
                                index: i as u32,
                                span,
                            };
                            quote_spanned!(span=> &input.#index)
                        }
                    });
                    let context = validator.takes_context.then(|| quote!(, handler_ctx));
                    quote! {
                        #p::Option::Some(|state: &#self_ty, handler_ctx: &#p::HandlerContext, handler_name: &str, payloads: &[#p::Payload]| -> #p::Result<(), #p::WorkflowError> {
                            let _ = (handler_name, handler_ctx);
                            #decode_inputs
                            let _ = &input;
                            #p::validator_outcome(<#self_ty>::#validator_ident(state #context #(, #borrows)*))
                        })
                    }
                }
            };
            quote!(.update(#name, #run, #validator))
        }
    }
}
