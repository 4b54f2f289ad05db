//! syn -> model. Every problem is reported to the `Ctxt` and parsing goes on, so one compile
//! shows all of them.

pub(crate) mod args;
pub(crate) mod handler;

use syn::{FnArg, ReturnType, Type};

use crate::{
    ctxt::Ctxt,
    model::{Activity, InitMethod, InitialState, RunMethod, Workflow},
    symbol::{INIT, RUN, Symbol},
};

pub(crate) fn has_attr(attrs: &[syn::Attribute], name: Symbol) -> bool {
    attrs.iter().any(|a| a.path() == name)
}

pub(crate) fn strip_attr(attrs: &mut Vec<syn::Attribute>, name: Symbol) {
    attrs.retain(|a| a.path() != name);
}

/// The methods of an impl block.
pub(crate) fn methods(item: &syn::ItemImpl) -> impl Iterator<Item = &syn::ImplItemFn> + Clone {
    item.items.iter().filter_map(|item| match item {
        syn::ImplItem::Fn(method) => Some(method),
        _ => None,
    })
}

/// The methods of a `#[workflow]` impl marked `#[run]`.
pub(crate) fn run_methods(item: &syn::ItemImpl) -> impl Iterator<Item = &syn::ImplItemFn> {
    methods(item).filter(|method| has_attr(&method.attrs, RUN))
}

/// The methods of a `#[workflow]` impl marked `#[init]`.
pub(crate) fn init_methods(item: &syn::ItemImpl) -> impl Iterator<Item = &syn::ImplItemFn> {
    methods(item).filter(|method| has_attr(&method.attrs, INIT))
}

/// The last segment's name of a type path (`WorkflowContext` for
/// `workflow_runtime::WorkflowContext<Self>`).
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        _ => None,
    }
}

/// Whether `ty` is `&HandlerContext` (by the last segment of its path): the optional context
/// of a sync handler or a validator.
pub(crate) fn is_handler_context(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if r.mutability.is_none()
        && last_segment(&r.elem).is_some_and(|s| s.ident == "HandlerContext"))
}

/// Takes an optional `&HandlerContext` off the front of a sync handler's or validator's
/// parameters (after `self`); one anywhere else is reported. Returns whether the front had
/// one, and whether the rest is free of them.
pub(crate) fn split_handler_context(cx: &Ctxt, inputs: &mut Vec<&Type>) -> (bool, bool) {
    let takes_context = inputs.first().is_some_and(|ty| is_handler_context(ty));
    if takes_context {
        inputs.remove(0);
    }
    let mut ok = true;
    for ty in inputs.iter().filter(|ty| is_handler_context(ty)) {
        cx.error_spanned_by(
            ty,
            "the handler context comes first, right after `self`: `fn name(&mut self, ctx: &HandlerContext, ..)`",
        );
        ok = false;
    }
    (takes_context, ok)
}

/// The first type argument of the last path segment: `T` in `WorkflowResult<T>` or
/// `Result<T, ActivityError>`.
fn first_type_argument(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// A `Result` or `WorkflowResult` type.
pub(crate) fn is_result(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Result" || s.ident == "WorkflowResult")
}

/// The typed parameters of a signature, without the receiver.
pub(crate) fn typed_inputs<'a>(
    inputs: impl Iterator<Item = &'a FnArg>,
) -> impl Iterator<Item = &'a syn::PatType> {
    inputs.filter_map(|arg| match arg {
        FnArg::Typed(t) => Some(t),
        FnArg::Receiver(_) => None,
    })
}

/// Takes the first typed parameter off `inputs` and checks that its type is `context`
/// (`WorkflowContext`, `ActivityContext`), spelled `param` in the errors; `what` names the
/// function. A missing parameter is reported only when `report_missing` (a receiver error may
/// already cover it). Returns whether the parameter is right.
fn context_param<'a>(
    cx: &Ctxt,
    sig: &syn::Signature,
    inputs: &mut impl Iterator<Item = &'a syn::PatType>,
    context: &str,
    param: &str,
    what: &str,
    report_missing: bool,
) -> bool {
    match inputs.next() {
        Some(first) if last_segment(&first.ty).is_some_and(|s| s.ident == context) => true,
        Some(first) => {
            cx.error_spanned_by(
                &first.ty,
                format!("the first parameter of {what} must be `{param}`"),
            );
            false
        }
        None if report_missing => {
            cx.error_spanned_by(
                &sig.ident,
                format!("{what} must take `{param}` as its first parameter"),
            );
            false
        }
        None => true,
    }
}

pub(crate) fn workflow<'a>(
    cx: &Ctxt,
    item: &'a syn::ItemImpl,
    args: &args::ItemArgs,
) -> Workflow<'a> {
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "#[workflow] goes on an inherent impl (`impl MyWorkflow { .. }`), not a trait impl",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "workflows cannot be generic: the worker must know one concrete type per workflow name",
        );
    }
    let default_name = last_segment(&item.self_ty)
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    // A missing or second #[run] is reported by `check::workflow`.
    let run = run_methods(item)
        .next()
        .map(|method| run_method(cx, method));
    // A second #[init] is reported by `check::workflow`.
    let state = match init_methods(item).next() {
        Some(method) => init_method(cx, method, &item.self_ty),
        None => InitialState::Default,
    };
    let handlers = handler::handlers(cx, item);
    if let (Some(dynamic), Some(_)) = (&args.dynamic, &args.name) {
        cx.error_spanned_by(
            dynamic,
            "a dynamic workflow runs every workflow type without a workflow of its own; drop `name = ..` or `dynamic`",
        );
    }
    Workflow {
        original: item,
        self_ty: &item.self_ty,
        wire_name: args.name.clone().unwrap_or(default_name),
        krate: args.krate(),
        versioning: args.versioning,
        dynamic: args.dynamic.clone(),
        run,
        state,
        handlers,
    }
}

/// The `#[run]` method, also when its shape is wrong (then `valid` is false and the errors are
/// reported).
fn run_method<'a>(cx: &Ctxt, method: &'a syn::ImplItemFn) -> RunMethod<'a> {
    let sig = &method.sig;
    let mut ok = true;
    if sig.asyncness.is_none() {
        cx.error_spanned_by(sig.fn_token, "the #[run] method must be `async fn`");
        ok = false;
    }
    if let Some(receiver) = sig.receiver() {
        cx.error_spanned_by(
            receiver,
            "the #[run] method takes `ctx: WorkflowContext<Self>` instead of `self`; read and change state with ctx.state(..) / ctx.state_mut(..)",
        );
        ok = false;
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "the #[run] method cannot be generic");
        ok = false;
    }
    let mut inputs = typed_inputs(sig.inputs.iter());
    ok &= context_param(
        cx,
        sig,
        &mut inputs,
        "WorkflowContext",
        "ctx: WorkflowContext<Self>",
        "the #[run] method",
        sig.receiver().is_none(),
    );
    let inputs: Vec<&Type> = inputs.map(|p| &*p.ty).collect();
    let output = match &sig.output {
        ReturnType::Type(_, ty) => match first_type_argument(ty) {
            Some(output) => Some(output),
            None => {
                cx.error_spanned_by(ty, "the #[run] method must return `WorkflowResult<T>`");
                None
            }
        },
        ReturnType::Default => {
            cx.error_spanned_by(&sig.ident, "the #[run] method must return `WorkflowResult<T>` (use `WorkflowResult<()>` for no value)");
            None
        }
    };
    ok &= output.is_some();
    // A generic method's types name parameters the definition cannot see.
    let generic = !sig.generics.params.is_empty();
    RunMethod {
        ident: &sig.ident,
        inputs: if generic { Vec::new() } else { inputs },
        output: output.filter(|_| !generic),
        valid: ok,
    }
}

/// The `#[init]` method's shape: `fn new(input: &T, ..) -> Self`, a plain function that builds
/// the state from borrowed arguments. Whether those match the `#[run]` method's is checked in
/// `check.rs` (their number) and by the generated call (their types).
fn init_method<'a>(cx: &Ctxt, method: &'a syn::ImplItemFn, self_ty: &Type) -> InitialState<'a> {
    let sig = &method.sig;
    // Its shape is the #[run] method's; more errors about it would only repeat this one.
    if has_attr(&method.attrs, RUN) {
        cx.error_spanned_by(
            &sig.ident,
            "the #[init] method builds the state and the #[run] method runs the workflow: give #[init] a `fn new(..) -> Self` of its own",
        );
        return InitialState::Invalid;
    }
    let mut ok = true;
    if let Some(receiver) = sig.receiver() {
        cx.error_spanned_by(
            receiver,
            "the #[init] method takes no `self`: it builds the state from the #[run] method's arguments, e.g. `fn new(input: &Input) -> Self`",
        );
        ok = false;
    }
    if sig.asyncness.is_some() {
        cx.error_spanned_by(
            sig.asyncness,
            "the #[init] method builds the state at once, before any handler runs, and cannot wait: remove `async` (wait in #[run])",
        );
        ok = false;
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "the #[init] method cannot be generic");
        ok = false;
    }
    let inputs: Vec<&Type> = typed_inputs(sig.inputs.iter()).map(|p| &*p.ty).collect();
    for ty in &inputs {
        if last_segment(ty).is_some_and(|s| s.ident == "WorkflowContext") {
            cx.error_spanned_by(
                ty,
                "the #[init] method takes no context: it runs before the workflow does; take only the #[run] method's arguments after `ctx`, each by reference",
            );
            ok = false;
        } else if !matches!(ty, Type::Reference(r) if r.mutability.is_none()) {
            cx.error_spanned_by(
                ty,
                "the #[init] method borrows the #[run] method's arguments: take `&T` where #[run] takes `T`",
            );
            ok = false;
        }
    }
    // `Self` or the workflow type; rustc checks that a path ending in its name is the type.
    let returns_state = |ty: &Type| {
        last_segment(ty).is_some_and(|s| {
            s.ident == "Self" || last_segment(self_ty).is_some_and(|own| own.ident == s.ident)
        })
    };
    let message =
        "the #[init] method must return `Self` (`fn new(..) -> Self`): the state of the new run";
    match &sig.output {
        ReturnType::Type(_, ty) if returns_state(ty) => {}
        ReturnType::Type(_, ty) => {
            cx.error_spanned_by(ty, message);
            ok = false;
        }
        ReturnType::Default => {
            cx.error_spanned_by(&sig.ident, message);
            ok = false;
        }
    }
    if !ok {
        return InitialState::Invalid;
    }
    InitialState::Init(InitMethod {
        ident: &sig.ident,
        inputs,
        params: &sig.inputs,
    })
}

/// An activity from a free function (`receiver` None) or a method of `receiver`, also when its
/// signature is wrong (then `valid` is false and the errors are reported).
pub(crate) fn activity<'a>(
    cx: &Ctxt,
    vis: &'a syn::Visibility,
    sig: &'a syn::Signature,
    receiver: Option<&'a Type>,
    args: &args::ItemArgs,
) -> Activity<'a> {
    let mut ok = true;
    if sig.asyncness.is_none() {
        cx.error_spanned_by(sig.fn_token, "activities must be `async fn`");
        ok = false;
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "activities cannot be generic: each activity name needs one concrete signature",
        );
        ok = false;
    }
    match (sig.receiver(), receiver) {
        (Some(r), None) => {
            cx.error_spanned_by(
                r,
                "an #[activity] method must be in an impl annotated with #[activities]",
            );
            ok = false;
        }
        (Some(r), Some(_)) if r.reference.is_none() || r.mutability.is_some() => {
            cx.error_spanned_by(
                r,
                "activity methods take `&self`: one instance serves concurrent activities",
            );
            ok = false;
        }
        (None, Some(_)) => {
            cx.error_spanned_by(&sig.ident, "an #[activity] in an #[activities] impl must take `&self`; move a function without `self` out of the impl");
            ok = false;
        }
        _ => {}
    }
    let mut inputs = typed_inputs(sig.inputs.iter());
    ok &= context_param(
        cx,
        sig,
        &mut inputs,
        "ActivityContext",
        "ctx: ActivityContext",
        "an activity",
        true,
    );
    let inputs: Vec<&Type> = inputs.map(|p| &*p.ty).collect();
    let output = match &sig.output {
        ReturnType::Type(_, ty) if last_segment(ty).is_some_and(|s| s.ident == "Result") => {
            let output = first_type_argument(ty);
            if output.is_none() {
                cx.error_spanned_by(ty, "activities must return `Result<T, ActivityError>`");
            }
            output
        }
        ReturnType::Type(_, ty) => {
            cx.error_spanned_by(ty, "activities must return `Result<T, ActivityError>`");
            None
        }
        ReturnType::Default => {
            cx.error_spanned_by(&sig.ident, "activities must return `Result<T, ActivityError>` (use `Result<(), ActivityError>` for no value)");
            None
        }
    };
    ok &= output.is_some();
    // A generic function's types name parameters the definition cannot see.
    let generic = !sig.generics.params.is_empty();
    Activity {
        ident: &sig.ident,
        vis,
        wire_name: args.name.clone().unwrap_or_else(|| sig.ident.to_string()),
        krate: args.krate(),
        receiver,
        inputs: if generic { Vec::new() } else { inputs },
        output: output.filter(|_| !generic),
        valid: ok,
    }
}
