//! `#[signal]`, `#[query]` and `#[update]` methods of a `#[workflow]` impl, and the rules of
//! each one's signature: sync signals and updates take `&mut self`, async ones
//! `ctx: WorkflowContext<Self>`; queries take `&self`, are not async and return a value;
//! signals return nothing; updates return a `Result`. Rules that relate several methods
//! (validators, unique names) are in `check.rs`.

use syn::{ReturnType, Type};

use super::{
    args, context_param, first_type_argument, has_attr, is_handler_context, is_result,
    split_handler_context, typed_inputs,
};
use crate::{
    ctxt::Ctxt,
    model::{Handler, HandlerKind},
    symbol::{DYNAMIC, INIT, NAME, RUN, Symbol, VALIDATOR},
};

fn accepted_args(kind: HandlerKind) -> &'static [Symbol] {
    match kind {
        HandlerKind::Update => &[NAME, DYNAMIC, VALIDATOR],
        _ => &[NAME, DYNAMIC],
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

/// Every handler method of the impl whose attributes and signature are right.
pub(crate) fn handlers<'a>(cx: &Ctxt, item: &'a syn::ItemImpl) -> Vec<Handler<'a>> {
    let mut handlers = Vec::new();
    for method in super::methods(item) {
        let kinds: Vec<(HandlerKind, &syn::Attribute)> = HandlerKind::ALL
            .iter()
            .flat_map(|kind| {
                method
                    .attrs
                    .iter()
                    .filter(|a| a.path() == kind.attr())
                    .map(move |a| (*kind, a))
            })
            .collect();
        if let [_, (second, attr), ..] = kinds.as_slice() {
            cx.error_spanned_by(
                attr,
                format!(
                    "a method can be only one handler; `{}` is already marked, so #[{}] is one too many",
                    method.sig.ident,
                    second.attr()
                ),
            );
        }
        if has_attr(&method.attrs, RUN) && !kinds.is_empty() {
            cx.error_spanned_by(
                kinds[0].1,
                "the #[run] method cannot also be a signal, query or update handler",
            );
            continue;
        }
        if has_attr(&method.attrs, INIT) && !kinds.is_empty() {
            cx.error_spanned_by(
                kinds[0].1,
                "the #[init] method cannot also be a signal, query or update handler",
            );
            continue;
        }
        let Some((kind, attr)) = kinds.first() else {
            continue;
        };
        let tokens = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => proc_macro2::TokenStream::new(),
        };
        let args = args::parse_args(cx, kind.attr(), tokens, accepted_args(*kind));
        if let Some(handler) = handler(cx, *kind, method, &args) {
            handlers.push(handler);
        }
    }
    handlers
}

fn handler<'a>(
    cx: &Ctxt,
    kind: HandlerKind,
    method: &'a syn::ImplItemFn,
    args: &args::ItemArgs,
) -> Option<Handler<'a>> {
    let sig = &method.sig;
    let attr = kind.attr();
    let mut ok = true;
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!("#[{attr}] handlers cannot be generic: the wire needs one concrete signature"),
        );
        ok = false;
    }
    if let (Some(name), Some(dynamic)) = (&args.name, &args.dynamic) {
        cx.error_spanned_by(
            dynamic,
            format!("a dynamic handler receives every name; drop `name = \"{name}\"` or `dynamic`"),
        );
        ok = false;
    }
    let is_async = sig.asyncness.is_some();
    if kind == HandlerKind::Query && is_async {
        cx.error_spanned_by(
            sig.asyncness,
            "queries are answered at once from the current state and cannot wait: remove `async`",
        );
        ok = false;
    }
    // The receiver: `&self` for queries, `&mut self` for sync signals and updates, none (a
    // `WorkflowContext<Self>` first parameter) for async handlers.
    let mut typed = typed_inputs(sig.inputs.iter());
    match (sig.receiver(), is_async) {
        (Some(receiver), true) => {
            cx.error_spanned_by(
                receiver,
                format!("an async #[{attr}] takes `ctx: WorkflowContext<Self>` instead of `self`: it may wait, so it reaches state through ctx.state(..) / ctx.state_mut(..)"),
            );
            ok = false;
        }
        (None, true) => {
            ok &= context_param(
                cx,
                sig,
                &mut typed,
                "WorkflowContext",
                "ctx: WorkflowContext<Self>",
                &format!("an async #[{attr}]"),
                true,
            );
        }
        (receiver, false) => {
            let wants_mut = kind != HandlerKind::Query;
            let good = receiver
                .is_some_and(|r| r.reference.is_some() && (r.mutability.is_some() == wants_mut));
            if !good {
                let message = match kind {
                    HandlerKind::Query => {
                        "queries read state and never change it: take `&self`".to_owned()
                    }
                    _ => format!(
                        "a sync #[{attr}] changes state: take `&mut self` (or make it `async` and take `ctx: WorkflowContext<Self>`)"
                    ),
                };
                match receiver {
                    Some(r) => cx.error_spanned_by(r, message),
                    None => cx.error_spanned_by(&sig.ident, message),
                }
                ok = false;
            }
        }
    }
    let mut inputs: Vec<&Type> = typed.map(|p| &*p.ty).collect();
    // A sync handler may take `ctx: &HandlerContext` after `self`; an async one has its
    // `WorkflowContext`, which does all that does.
    let takes_context = if is_async {
        for ty in inputs.iter().filter(|ty| is_handler_context(ty)) {
            cx.error_spanned_by(
                ty,
                format!("an async #[{attr}] reads the time, the run's info and random values through its `ctx: WorkflowContext<Self>`: drop this parameter"),
            );
            ok = false;
        }
        false
    } else {
        let (takes_context, rest_ok) = split_handler_context(cx, &mut inputs);
        ok &= rest_ok;
        takes_context
    };
    if args.dynamic.is_some() && inputs.len() != 2 {
        cx.error_spanned_by(
            &sig.ident,
            format!("a dynamic #[{attr}] takes the name and the raw arguments: `name: String, args: Vec<Payload>`"),
        );
        ok = false;
    }
    let output = match (kind, &sig.output) {
        (HandlerKind::Signal, ReturnType::Default) => None,
        (HandlerKind::Signal, ReturnType::Type(_, ty)) if is_unit(ty) => None,
        (HandlerKind::Signal, ReturnType::Type(_, ty)) if is_async && is_result(ty) => None,
        (HandlerKind::Signal, ReturnType::Type(_, ty)) => {
            let hint = if is_async {
                "nothing or `WorkflowResult<()>`"
            } else {
                "nothing"
            };
            cx.error_spanned_by(
                ty,
                format!("signals cannot return a value (the sender does not wait for one): return {hint}, or make it an #[update]"),
            );
            ok = false;
            None
        }
        (HandlerKind::Query, ReturnType::Default) => {
            cx.error_spanned_by(
                &sig.ident,
                "a query must return a value: `fn status(&self) -> Status`",
            );
            ok = false;
            None
        }
        (HandlerKind::Query, ReturnType::Type(_, ty)) => Some(&**ty),
        (HandlerKind::Update, ReturnType::Type(_, ty)) if is_result(ty) => first_type_argument(ty),
        (HandlerKind::Update, ReturnType::Type(_, ty)) => {
            cx.error_spanned_by(ty, "an update returns `Result<T, E>` (E converts into WorkflowError): its caller waits for the value or the error");
            ok = false;
            None
        }
        (HandlerKind::Update, ReturnType::Default) => {
            cx.error_spanned_by(
                &sig.ident,
                "an update returns `Result<T, E>` (use `WorkflowResult<()>` for no value)",
            );
            ok = false;
            None
        }
    };
    let update_result = match (kind, &sig.output) {
        (HandlerKind::Update, ReturnType::Type(_, ty)) => Some(&**ty),
        _ => None,
    };
    ok.then(|| Handler {
        kind,
        method,
        ident: &sig.ident,
        wire_name: match args.dynamic {
            Some(_) => None,
            None => Some(args.name.clone().unwrap_or_else(|| sig.ident.to_string())),
        },
        is_async,
        inputs,
        output,
        update_result,
        validator_path: args.validator.clone(),
        validator: None,
        takes_context,
    })
}
