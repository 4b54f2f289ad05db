//! What the macros know about the user's items, independent of how it was parsed or how code
//! is generated. Borrows from the syn tree so later passes can point at the user's tokens.

use crate::symbol::{QUERY, SIGNAL, Symbol, UPDATE};

/// A `#[workflow]` impl block.
pub(crate) struct Workflow<'a> {
    /// The impl block, for the checks that look at several of its methods.
    pub(crate) original: &'a syn::ItemImpl,
    pub(crate) self_ty: &'a syn::Type,
    pub(crate) wire_name: String,
    pub(crate) krate: syn::Path,
    /// `versioning = ..`: how runs move between worker deployment versions.
    pub(crate) versioning: Option<Versioning>,
    /// `dynamic`: the workflow runs every type without a workflow of its own, its `#[run]`
    /// taking the raw arguments.
    pub(crate) dynamic: Option<syn::Path>,
    pub(crate) run: Option<RunMethod<'a>>,
    pub(crate) state: InitialState<'a>,
    pub(crate) handlers: Vec<Handler<'a>>,
}

/// A workflow's behaviour under worker versioning.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Versioning {
    Pinned,
    AutoUpgrade,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandlerKind {
    Signal,
    Query,
    Update,
}

impl HandlerKind {
    /// Every kind, in the order a method's attributes are matched against them.
    pub(crate) const ALL: [HandlerKind; 3] =
        [HandlerKind::Signal, HandlerKind::Query, HandlerKind::Update];

    /// The attribute that marks a handler of this kind; messages name the kind by it.
    pub(crate) fn attr(self) -> Symbol {
        match self {
            HandlerKind::Signal => SIGNAL,
            HandlerKind::Query => QUERY,
            HandlerKind::Update => UPDATE,
        }
    }
}

/// A `#[signal]`, `#[query]` or `#[update]` method.
pub(crate) struct Handler<'a> {
    pub(crate) kind: HandlerKind,
    /// The method as written: its visibility and doc comments go to the handler's reference.
    pub(crate) method: &'a syn::ImplItemFn,
    pub(crate) ident: &'a syn::Ident,
    /// `None` for the dynamic handler of its kind.
    pub(crate) wire_name: Option<String>,
    /// Async handlers take `ctx: WorkflowContext<Self>` instead of `self`.
    pub(crate) is_async: bool,
    /// The arguments after `self` or `ctx`.
    pub(crate) inputs: Vec<&'a syn::Type>,
    /// The result type sent back (queries: the return type; updates: `T` of `Result<T, E>`).
    pub(crate) output: Option<&'a syn::Type>,
    /// An update's whole return type, `Result<T, E>`: errors about `E` are reported there.
    pub(crate) update_result: Option<&'a syn::Type>,
    /// Whether a sync handler takes `ctx: &HandlerContext` after `self`.
    pub(crate) takes_context: bool,
    /// The path in an update's `#[update(validator = ..)]`.
    pub(crate) validator_path: Option<syn::Path>,
    /// The validator method that `validator_path` names, filled in by `check::workflow`.
    pub(crate) validator: Option<Validator<'a>>,
}

impl Handler<'_> {
    /// Whether the handler has a wire name of its own, rather than receiving every name
    /// without a handler.
    pub(crate) fn is_named(&self) -> bool {
        self.wire_name.is_some()
    }

    /// The name the method keeps once its own name holds the handler's reference
    /// (`approve` -> `__signal_approve`), spanned at the user's name. Dynamic handlers, which
    /// clients never name, keep theirs.
    pub(crate) fn method_ident(&self) -> syn::Ident {
        if !self.is_named() {
            return self.ident.clone();
        }
        syn::Ident::new(
            &format!("__{}_{}", self.kind.attr(), self.ident),
            self.ident.span(),
        )
    }
}

/// The method named by `#[update(validator = ..)]`.
pub(crate) struct Validator<'a> {
    pub(crate) ident: &'a syn::Ident,
    /// Its parameter types after `&self` (and the context), each `&T`.
    pub(crate) inputs: Vec<&'a syn::Type>,
    /// Whether it takes `ctx: &HandlerContext` after `&self`.
    pub(crate) takes_context: bool,
}

/// The `#[run]` method.
pub(crate) struct RunMethod<'a> {
    pub(crate) ident: &'a syn::Ident,
    /// The arguments after `ctx` (none when the method is generic: its types name parameters
    /// the definition cannot see).
    pub(crate) inputs: Vec<&'a syn::Type>,
    /// `T` of `WorkflowResult<T>`; `None` when the return type does not say.
    pub(crate) output: Option<&'a syn::Type>,
    /// Whether the method has the shape of a `#[run]` method. When it does not, its errors are
    /// reported and the definition only stands in for it: it never calls it.
    pub(crate) valid: bool,
}

/// How a run's state is built before any handler or `run` sees it.
pub(crate) enum InitialState<'a> {
    /// `Default::default()`: the impl has no `#[init]` method.
    Default,
    /// The `#[init]` method, called with the run's input.
    Init(InitMethod<'a>),
    /// An `#[init]` method with errors, already reported: the definition calls neither it nor
    /// `Default`, so the errors do not cascade.
    Invalid,
}

/// The `#[init]` method: `fn new(input: &T, ..) -> Self`.
pub(crate) struct InitMethod<'a> {
    pub(crate) ident: &'a syn::Ident,
    /// Its parameter types, each `&T` for the `#[run]` method's `T`.
    pub(crate) inputs: Vec<&'a syn::Type>,
    /// The parameters as written, where an error about their number points.
    pub(crate) params: &'a syn::punctuated::Punctuated<syn::FnArg, syn::Token![,]>,
}

/// An `#[activity]` function or method.
pub(crate) struct Activity<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) wire_name: String,
    pub(crate) krate: syn::Path,
    /// The struct for method activities.
    pub(crate) receiver: Option<&'a syn::Type>,
    /// The arguments after `ctx` (none when the function is generic).
    pub(crate) inputs: Vec<&'a syn::Type>,
    /// `T` of `Result<T, ActivityError>`; `None` when the return type is not a `Result`.
    pub(crate) output: Option<&'a syn::Type>,
    /// Whether the signature is an activity's. When it is not, its errors are reported and the
    /// expansion only stands in for it (thiserror's fallback impl): the function keeps its name
    /// and body, and its definition never calls it, so code that registers or calls the
    /// activity adds no errors of its own.
    pub(crate) valid: bool,
}
