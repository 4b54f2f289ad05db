//! `#[signal]`, `#[query]` and `#[update]` methods of a `#[workflow]` impl, and their rules:
//! sync signals and updates take `&mut self`, async ones `ctx: WorkflowContext<Self>`; queries
//! take `&self`, are not async and return a value; signals return nothing; updates return a
//! `Result`; validators borrow the update's arguments and return a `Result`; names are unique
//! per kind.

use std::collections::BTreeMap;

use syn::{ReturnType, Type};

use super::{args, context_param, first_type_argument, has_attr, last_segment, typed_inputs};
use crate::{
    ctxt::Ctxt,
    model::{Handler, HandlerKind, Validator},
    symbol::{DYNAMIC, NAME, RUN, Symbol, VALIDATOR},
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

fn is_result(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Result" || s.ident == "WorkflowResult")
}

/// Every handler method of the impl, checked; `validators` collects the methods named as
/// validators so they are checked too.
pub(crate) fn handlers<'a>(cx: &Ctxt, item: &'a syn::ItemImpl) -> Vec<Handler<'a>> {
    let methods: Vec<&syn::ImplItemFn> = item
        .items
        .iter()
        .filter_map(|i| match i {
            syn::ImplItem::Fn(m) => Some(m),
            _ => None,
        })
        .collect();
    let mut handlers = Vec::new();
    for method in &methods {
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
        let Some((kind, attr)) = kinds.first() else {
            continue;
        };
        let tokens = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => proc_macro2::TokenStream::new(),
        };
        let args = args::parse_args(cx, kind.attr(), tokens, accepted_args(*kind));
        if let Some(handler) = handler(cx, *kind, method, &args, &methods) {
            handlers.push(handler);
        }
    }
    check_names(cx, &handlers);
    handlers
}

fn check_names(cx: &Ctxt, handlers: &[Handler<'_>]) {
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

fn handler<'a>(
    cx: &Ctxt,
    kind: HandlerKind,
    method: &'a syn::ImplItemFn,
    args: &args::ItemArgs,
    methods: &[&'a syn::ImplItemFn],
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
    let inputs: Vec<&Type> = typed.map(|p| &*p.ty).collect();
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
    let validator = match &args.validator {
        Some(path) => validator(cx, path, &inputs, methods),
        None => None,
    };
    if args.validator.is_some() && validator.is_none() {
        ok = false;
    }
    ok.then(|| Handler {
        kind,
        ident: &sig.ident,
        wire_name: match args.dynamic {
            Some(_) => None,
            None => Some(args.name.clone().unwrap_or_else(|| sig.ident.to_string())),
        },
        is_async,
        inputs,
        output,
        validator,
    })
}

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
    let inputs: Vec<&Type> = typed_inputs(sig.inputs.iter()).map(|p| &*p.ty).collect();
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
    })
}
