//! The macro pipelines: parse arguments and item, build the model, check, expand. On errors
//! the user's item is still emitted, so the IDE and the type checker keep seeing it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::{
    check,
    ctxt::{Ctxt, with_errors},
    determinism, expand,
    model::HandlerKind,
    parse::{self, args},
    symbol::{
        ACTIVITIES, ACTIVITY, CRATE, DETERMINISTIC, DYNAMIC, INIT, NAME, RUN, Symbol, VERSIONING,
        WORKFLOW,
    },
    untimed,
};

pub(crate) fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_impl: syn::ItemImpl = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(e) => {
            let error = syn::Error::new(
                e.span(),
                "#[workflow] goes on an impl block: `#[workflow] impl MyWorkflow { #[run] async fn run(..) .. }`",
            );
            return with_errors(item, error);
        }
    };
    let cx = Ctxt::new();
    let args = args::parse_args(&cx, WORKFLOW, args, &[NAME, DYNAMIC, VERSIONING, CRATE]);
    // The named handlers' methods, renamed below: their names hold the handlers' references.
    let (definition, renamed) = {
        let mut model = parse::workflow(&cx, &item_impl, &args);
        check::workflow(&cx, &mut model);
        let renamed: Vec<(syn::Ident, syn::Ident)> = model
            .handlers
            .iter()
            .filter(|h| h.is_named())
            .map(|h| (h.ident.clone(), h.method_ident()))
            .collect();
        let definition = expand::workflow::definition(&model);
        let references = expand::workflow::handler_references(&model);
        (quote!(#definition #references), renamed)
    };
    let version = expand::version_check(&args.krate());
    let warnings = determinism::emit_warnings(&determinism::check(&cx, &item_impl));
    for impl_item in &mut item_impl.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            parse::strip_attr(&mut method.attrs, RUN);
            parse::strip_attr(&mut method.attrs, INIT);
            for kind in HandlerKind::ALL {
                parse::strip_attr(&mut method.attrs, kind.attr());
            }
            untimed::check_block(&cx, &args.krate(), &mut method.block);
            determinism::probe_body(&args.krate(), &mut method.attrs, &mut method.block);
            if let Some((_, kept)) = renamed.iter().find(|(ident, _)| *ident == method.sig.ident) {
                method.sig.ident = kept.clone();
                method.vis = syn::Visibility::Inherited;
            }
        }
    }
    // The definition is emitted even with errors (it holds only the parts that parsed), so
    // code that registers or starts the workflow does not add errors of its own.
    match cx.check() {
        Ok(()) => quote!(#item_impl #definition #version #warnings),
        Err(error) => with_errors(quote!(#item_impl #definition #version #warnings), error),
    }
}

/// `#[deterministic]` on a helper function, impl or inline module that workflow code calls: the
/// same determinism check as workflow bodies. Takes `crate = path` as the other macros do.
pub(crate) fn deterministic(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let krate = args::parse_args(&cx, DETERMINISTIC, args, &[CRATE]).krate();
    // Beside the item, where an item may stand: not after a method, whose impl holds no `const _`.
    let mut version = expand::version_check(&krate);
    let (output, warnings) = if let Ok(mut item_fn) = syn::parse2::<syn::ItemFn>(item.clone()) {
        let warnings = determinism::check_fn(&cx, &item_fn);
        determinism::probe_body(&krate, &mut item_fn.attrs, &mut item_fn.block);
        if item_fn.sig.receiver().is_some() {
            version = TokenStream::new();
        }
        (quote!(#item_fn), warnings)
    } else if let Ok(mut item_impl) = syn::parse2::<syn::ItemImpl>(item.clone()) {
        let warnings = determinism::check(&cx, &item_impl);
        determinism::probe_impl(&krate, &mut item_impl);
        (quote!(#item_impl), warnings)
    } else if let Ok(mut item_mod) = syn::parse2::<syn::ItemMod>(item.clone()) {
        match &mut item_mod.content {
            Some((_, items)) => {
                let warnings = determinism::check_and_probe_module(&cx, &krate, items);
                (quote!(#item_mod), warnings)
            }
            None => {
                cx.error_spanned_by(
                    &item_mod,
                    "#[deterministic] checks the items written inside the module: write them inline (`mod helpers { .. }`), or mark each function or impl of the module's file `#[deterministic]`",
                );
                (quote!(#item_mod), Vec::new())
            }
        }
    } else {
        cx.error_spanned_by(
            &item,
            "#[deterministic] goes on a function, an impl block or an inline module",
        );
        version = TokenStream::new();
        (item, Vec::new())
    };
    let warnings = determinism::emit_warnings(&warnings);
    match cx.check() {
        Ok(()) => quote!(#output #version #warnings),
        Err(error) => with_errors(quote!(#output #version #warnings), error),
    }
}

pub(crate) fn activity(args: TokenStream, item: TokenStream) -> TokenStream {
    let item_fn: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(e) => {
            let error = syn::Error::new(
                e.span(),
                "#[activity] goes on an `async fn`, or on methods inside an impl annotated with #[activities]",
            );
            return with_errors(item, error);
        }
    };
    let cx = Ctxt::new();
    let args = args::parse_args(&cx, ACTIVITY, args, &[NAME, CRATE]);
    let model = parse::activity(&cx, &item_fn.vis, &item_fn.sig, None, &args);
    if item_fn.sig.receiver().is_some() {
        // A method outside an `#[activities]` impl (reported): its impl block can hold no
        // definitions, so the method stays as written.
        return match cx.check() {
            Ok(()) => quote!(#item_fn),
            Err(error) => with_errors(quote!(#item_fn), error),
        };
    }
    let function =
        expand::activity::rewrite_fn(&model, &item_fn.attrs, &item_fn.sig, &item_fn.block);
    // Emitted even with errors, so code that registers or calls the activity adds none.
    let definition = expand::activity::definition(&model);
    let version = expand::version_check(&model.krate);
    let expanded = quote!(#function #definition #version);
    match cx.check() {
        Ok(()) => expanded,
        Err(error) => with_errors(expanded, error),
    }
}

pub(crate) fn activities(args: TokenStream, item: TokenStream) -> TokenStream {
    let item_impl: syn::ItemImpl = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(e) => {
            let error =
                syn::Error::new(e.span(), "#[activities] goes on an impl block of a struct");
            return with_errors(item, error);
        }
    };
    let cx = Ctxt::new();
    let args = args::parse_args(&cx, ACTIVITIES, args, &[CRATE]);
    // A generic impl's types name parameters that the definitions cannot see: its methods
    // stay plain methods, and nothing else is emitted.
    let generic = !item_impl.generics.params.is_empty();
    if generic {
        cx.error_spanned_by(
            &item_impl.generics,
            "an #[activities] impl cannot be generic",
        );
    }
    if let Some((_, path, _)) = &item_impl.trait_ {
        cx.error_spanned_by(
            path,
            "#[activities] goes on an inherent impl, not a trait impl",
        );
    }
    let mut items = Vec::new();
    let mut definitions = Vec::new();
    let mut models = Vec::new();
    for impl_item in &item_impl.items {
        let syn::ImplItem::Fn(method) = impl_item else {
            items.push(quote!(#impl_item));
            continue;
        };
        let Some(attr) = method.attrs.iter().find(|a| a.path() == ACTIVITY) else {
            items.push(quote!(#method));
            continue;
        };
        let attr_args = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => TokenStream::new(),
        };
        let mut method_args = args::parse_args(&cx, ACTIVITY, attr_args, &[NAME]);
        method_args.krate = args.krate.clone();
        let mut attrs = method.attrs.clone();
        parse::strip_attr(&mut attrs, ACTIVITY);
        let model = parse::activity(
            &cx,
            &method.vis,
            &method.sig,
            Some(&item_impl.self_ty),
            &method_args,
        );
        if generic {
            let mut plain = method.clone();
            plain.attrs = attrs;
            items.push(quote!(#plain));
            continue;
        }
        items.push(expand::activity::rewrite_fn(
            &model,
            &attrs,
            &method.sig,
            &method.block,
        ));
        definitions.push(expand::activity::definition(&model));
        models.push(model);
    }
    check::activities(&cx, &item_impl);
    let group = if generic {
        TokenStream::new()
    } else {
        let group = expand::activity::group(&args.krate(), &item_impl.self_ty, &models);
        let version = expand::version_check(&args.krate());
        quote!(#group #version)
    };
    let attrs = &item_impl.attrs;
    let self_ty = &item_impl.self_ty;
    let (impl_generics, _, where_clause) = item_impl.generics.split_for_impl();
    let rebuilt = quote! {
        #(#attrs)*
        impl #impl_generics #self_ty #where_clause {
            #(#items)*
        }
    };
    // The definitions and the group are emitted even with errors, so code that registers the
    // struct or calls its activities adds none of its own.
    let expanded = quote!(#rebuilt #(#definitions)* #group);
    match cx.check() {
        Ok(()) => expanded,
        Err(error) => with_errors(expanded, error),
    }
}

/// A handler attribute used outside the impl it belongs to.
pub(crate) fn misplaced(
    attribute: Symbol,
    home: &str,
    _args: TokenStream,
    item: TokenStream,
) -> TokenStream {
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        format!("#[{attribute}] must be inside {home}"),
    );
    with_errors(item, error)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The expansion as text, with the number of `compile_error!`s in it.
    fn expanded(output: proc_macro2::TokenStream) -> (String, usize) {
        let text = output.to_string();
        let errors = text.matches("compile_error").count();
        (text, errors)
    }

    #[test]
    fn an_activity_with_errors_keeps_its_definition() {
        let (text, errors) = expanded(super::activity(
            quote!(),
            quote!(
                async fn greet(_ctx: ActivityContext, name: String) -> String {
                    name
                }
            ),
        ));
        assert_eq!(errors, 1, "{text}");
        assert!(
            text.contains("ActivityDefinition for __activity_greet"),
            "{text}"
        );
        assert!(text.contains("FreeActivity for __activity_greet"), "{text}");
        assert!(text.contains("type Input = String"), "{text}");
        assert!(text.contains("type Output = ()"), "{text}");
    }

    #[test]
    fn an_activities_impl_with_errors_keeps_its_group() {
        let (text, errors) = expanded(super::activities(
            quote!(),
            quote!(
                impl Payments {
                    #[activity]
                    fn charge(&self, _ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
                        Ok(cents)
                    }
                }
            ),
        ));
        assert_eq!(errors, 1, "{text}");
        assert!(
            text.contains("MethodActivity for __activity_Payments_charge"),
            "{text}"
        );
        assert!(text.contains("ActivityGroup for Payments"), "{text}");
        assert!(text.contains("type Output = u64"), "{text}");
    }

    #[test]
    fn a_workflow_without_run_keeps_its_definition() {
        let (text, errors) = expanded(super::workflow(
            quote!(),
            quote!(
                impl NoRun {
                    async fn start(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
                        Ok(())
                    }
                }
            ),
        ));
        assert_eq!(errors, 1, "{text}");
        assert!(text.contains("WorkflowDefinition for NoRun"), "{text}");
        assert!(text.contains("unreachable"), "{text}");
    }

    #[test]
    fn deterministic_takes_a_crate_path() {
        let (text, errors) = expanded(super::deterministic(
            quote!(crate = ::wr),
            quote!(
                fn first(map: &BTreeMap<u32, u32>) -> Option<&u32> {
                    map.keys().next()
                }
            ),
        ));
        assert_eq!(errors, 0, "{text}");
        assert!(text.contains(":: wr :: __private :: OrderProbe"), "{text}");
        assert!(text.contains(":: wr :: __private :: VERSION"), "{text}");
        assert!(!text.contains("workflow_runtime"), "{text}");
        let (text, errors) = expanded(super::deterministic(
            quote!(crat = ::wr),
            quote!(
                fn f() {}
            ),
        ));
        assert_eq!(errors, 1, "{text}");
        assert!(text.contains("did you mean `crate`"), "{text}");
    }

    #[test]
    fn every_expansion_checks_the_runtime_s_version() {
        let version = format!(
            "const _ : :: workflow_runtime :: __private :: Version < {} , {} > = :: workflow_runtime :: __private :: VERSION ;",
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        let outputs = [
            super::workflow(
                quote!(),
                quote!(impl W { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }),
            ),
            super::activity(
                quote!(),
                quote!(
                    async fn a(ctx: ActivityContext) -> Result<(), ActivityError> {
                        Ok(())
                    }
                ),
            ),
            super::activities(
                quote!(),
                quote!(impl S { #[activity] async fn a(&self, ctx: ActivityContext) -> Result<(), ActivityError> { Ok(()) } }),
            ),
            super::deterministic(
                quote!(),
                quote!(
                    mod m {}
                ),
            ),
        ];
        for output in outputs {
            let (text, _) = expanded(output);
            assert_eq!(text.matches(&version).count(), 1, "{text}");
        }
    }
}
