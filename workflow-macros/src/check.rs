//! Checks that relate several items of a model, each a small function that states its rule and
//! why (serde_derive's `check.rs`). Checks of one attribute or one signature stay in the
//! parser. They run after parsing and before expansion.

use std::collections::BTreeMap;

use syn::{ReturnType, Type};

use crate::{
    ctxt::Ctxt,
    model::{Handler, HandlerKind, InitialState, Validator, Workflow},
    parse::{self, is_result, typed_inputs},
    symbol::ACTIVITY,
};

/// Checks a parsed `#[workflow]` impl. Updates whose validator is wrong are dropped from the
/// model, so the definition emitted with the errors does not call them.
pub(crate) fn workflow(cx: &Ctxt, workflow: &mut Workflow<'_>) {
    check_one_run(cx, workflow);
    check_dynamic(cx, workflow);
    check_one_init(cx, workflow);
    check_init_arguments(cx, workflow);
    check_validators(cx, workflow);
    check_handler_names(cx, &workflow.handlers);
}

/// Checks an `#[activities]` impl.
pub(crate) fn activities(cx: &Ctxt, item: &syn::ItemImpl) {
    check_some_activity(cx, item);
}

// A dynamic workflow's `#[run]` receives the arguments as sent, whatever their number.
fn check_dynamic(cx: &Ctxt, workflow: &mut Workflow<'_>) {
    if workflow.dynamic.is_none() {
        return;
    }
    if let Some(run) = &mut workflow.run
        && run.inputs.len() != 1
    {
        cx.error_spanned_by(
            run.ident,
            "the #[run] method of a dynamic workflow takes the raw arguments: `async fn run(ctx: WorkflowContext<Self>, args: Vec<Payload>) -> WorkflowResult<T>`",
        );
        run.valid = false;
    }
}

// A workflow has exactly one entry point: the worker starts a run by calling it, so without
// one there is nothing to start, and a second one could never be called.
fn check_one_run(cx: &Ctxt, workflow: &Workflow<'_>) {
    let runs: Vec<&syn::ImplItemFn> = parse::run_methods(workflow.original).collect();
    if runs.is_empty() {
        cx.error_spanned_by(
            workflow.self_ty,
            "a #[workflow] impl needs exactly one `#[run] async fn run(ctx: WorkflowContext<Self>, ..) -> WorkflowResult<T>`",
        );
    }
    for extra in runs.iter().skip(1) {
        cx.error_spanned_by(
            &extra.sig.ident,
            "only one #[run] method per workflow; this is a second one",
        );
    }
}

// The state is built once per run, so one constructor: a second `#[init]` would never be
// called.
fn check_one_init(cx: &Ctxt, workflow: &Workflow<'_>) {
    let inits: Vec<&syn::ImplItemFn> = parse::init_methods(workflow.original).collect();
    if let [first, rest @ ..] = inits.as_slice() {
        for extra in rest {
            cx.error_spanned_by(
                &extra.sig.ident,
                format!(
                    "only one #[init] method per workflow, and `{}` is one already: build the whole state there",
                    first.sig.ident
                ),
            );
        }
    }
}

// `#[init]` is called with the input `#[run]` receives, so it borrows each of the run's
// arguments in order. Their types are checked by the generated call, at each parameter. An
// `#[init]` with the wrong count is dropped from the model, so the definition does not call it.
fn check_init_arguments(cx: &Ctxt, workflow: &mut Workflow<'_>) {
    let (Some(run), InitialState::Init(init)) = (&workflow.run, &workflow.state) else {
        return;
    };
    // A `#[run]` method with errors of its own says nothing reliable about its arguments.
    if !run.valid {
        return;
    }
    if init.inputs.len() == run.inputs.len() {
        return;
    }
    let message = format!(
        "the #[init] method takes the #[run] method's {} argument(s) after `ctx`, each by reference and in the same order; it takes {}",
        run.inputs.len(),
        init.inputs.len()
    );
    if init.params.is_empty() {
        cx.error_spanned_by(init.ident, message);
    } else {
        cx.error_spanned_by(init.params, message);
    }
    workflow.state = InitialState::Invalid;
}

// An update's validator is a method of the same impl that decides, before the update is
// recorded, whether to accept it: it is called with the update's arguments, so it borrows each
// of them, reads state through `&self`, cannot wait and returns a `Result`.
fn check_validators<'a>(cx: &Ctxt, workflow: &mut Workflow<'a>) {
    let methods: Vec<&'a syn::ImplItemFn> = parse::methods(workflow.original).collect();
    workflow.handlers.retain_mut(|handler| {
        let Some(path) = &handler.validator_path else {
            return true;
        };
        handler.validator = validator(cx, path, &handler.inputs, &methods);
        handler.validator.is_some()
    });
}

/// The validator method `path` names, if it is one the update can call.
fn validator<'a>(
    cx: &Ctxt,
    path: &syn::Path,
    update_inputs: &[&Type],
    methods: &[&'a syn::ImplItemFn],
) -> Option<Validator<'a>> {
    let in_this_impl = match path.segments.len() {
        1 => true,
        2 => path.segments[0].ident == "Self",
        _ => false,
    };
    let name = path.segments.last()?.ident.to_string();
    let method = methods.iter().find(|m| m.sig.ident == name);
    let Some(method) = method.filter(|_| in_this_impl) else {
        cx.error_spanned_by(
            path,
            format!("the validator must be a method of this #[workflow] impl, e.g. `validator = Self::{name}` with `fn {name}(&self, ..) -> Result<(), WorkflowError>`"),
        );
        return None;
    };
    let sig = &method.sig;
    let mut ok = true;
    if sig.asyncness.is_some() {
        cx.error_spanned_by(
            sig.asyncness,
            "a validator decides at once whether to accept the update and cannot wait: remove `async`",
        );
        ok = false;
    }
    if !sig
        .receiver()
        .is_some_and(|r| r.reference.is_some() && r.mutability.is_none())
    {
        let message = "a validator reads state and never changes it: take `&self`";
        match sig.receiver() {
            Some(r) => cx.error_spanned_by(r, message),
            None => cx.error_spanned_by(&sig.ident, message),
        }
        ok = false;
    }
    let mut inputs: Vec<&Type> = typed_inputs(sig.inputs.iter()).map(|p| &*p.ty).collect();
    let (takes_context, context_ok) = parse::split_handler_context(cx, &mut inputs);
    ok &= context_ok;
    if inputs.len() != update_inputs.len() {
        cx.error_spanned_by(
            &sig.inputs,
            format!(
                "the validator takes the update's {} argument(s) by reference, after `&self`; it takes {}",
                update_inputs.len(),
                inputs.len()
            ),
        );
        ok = false;
    }
    for ty in &inputs {
        if !matches!(ty, Type::Reference(r) if r.mutability.is_none()) {
            cx.error_spanned_by(
                ty,
                "validators borrow the update's arguments: take `&T` for an argument of type `T`",
            );
            ok = false;
        }
    }
    match &sig.output {
        ReturnType::Type(_, ty) if is_result(ty) => {}
        other => {
            let message = "a validator returns `Result<(), E>`: `Err` rejects the update and its caller gets the error";
            match other {
                ReturnType::Type(_, ty) => cx.error_spanned_by(ty, message),
                ReturnType::Default => cx.error_spanned_by(&sig.ident, message),
            }
            ok = false;
        }
    }
    ok.then_some(Validator {
        ident: &sig.ident,
        inputs,
        takes_context,
    })
}

// Every name a workflow receives picks exactly one handler of its kind: two handlers with one
// wire name, or two dynamic handlers of one kind, would leave the choice to registration order.
fn check_handler_names(cx: &Ctxt, handlers: &[Handler<'_>]) {
    for kind in HandlerKind::ALL {
        let mut seen: BTreeMap<&str, &syn::Ident> = BTreeMap::new();
        let mut dynamic: Option<&syn::Ident> = None;
        for handler in handlers.iter().filter(|h| h.kind == kind) {
            match &handler.wire_name {
                Some(name) => {
                    if let Some(first) = seen.insert(name, handler.ident) {
                        cx.error_spanned_by(
                            handler.ident,
                            format!(
                                "two {} handlers are named `{name}` (`{first}` and `{}`); rename one with #[{}(name = \"...\")]",
                                kind.attr(),
                                handler.ident,
                                kind.attr()
                            ),
                        );
                    }
                }
                None => {
                    if let Some(first) = dynamic.replace(handler.ident) {
                        cx.error_spanned_by(
                            handler.ident,
                            format!(
                                "only one dynamic {} handler per workflow; `{first}` is one already",
                                kind.attr()
                            ),
                        );
                    }
                }
            }
        }
    }
}

// An `#[activities]` impl exists to register its activities; without any it registers nothing,
// which is almost certainly a forgotten `#[activity]`.
fn check_some_activity(cx: &Ctxt, item: &syn::ItemImpl) {
    if parse::methods(item).all(|method| !parse::has_attr(&method.attrs, ACTIVITY)) {
        cx.error_spanned_by(
            &item.self_ty,
            "an #[activities] impl needs at least one method marked #[activity]",
        );
    }
}
