//! The shapes of code the probes look for, by syntax alone: which method calls iterate, adapt
//! or consume an iterator, which read a global or the clock, which calls are a helper's whose
//! result is iterated, and which iterations cannot show their order (an order-independent
//! consumer, a `collect` into an unordered collection, a `Vec` sorted by the next statement).
//! `probe` wraps what these find in the runtime's probes; the types decide the rest.

use syn::Expr;

/// Method calls that produce an iterator over a collection's entries.
pub(super) const ITERATING: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "keys",
    "values",
    "values_mut",
    "into_keys",
    "into_values",
    "drain",
    "union",
    "intersection",
    "difference",
    "symmetric_difference",
];

/// Adapters that keep an iterator's order an order-independent consumer may still discard.
pub(super) const ADAPTERS: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "cloned",
    "copied",
    "flat_map",
    "flatten",
    "inspect",
];

/// Iterator methods other than the adapters above whose receiver, when a call gives it, is
/// checked like an iterating call's result (with the helper probe for what a function made
/// from a hash collection).
pub(super) const ITERATOR_USES: &[&str] = &[
    "collect",
    "next",
    "for_each",
    "try_for_each",
    "fold",
    "try_fold",
    "reduce",
    "scan",
    "enumerate",
    "zip",
    "chain",
    "take",
    "skip",
    "take_while",
    "skip_while",
    "map_while",
    "step_by",
    "peekable",
    "last",
    "nth",
    "position",
    "find",
    "find_map",
    "partition",
    "unzip",
    "max_by",
    "min_by",
    "max_by_key",
    "min_by_key",
];

/// Consumers whose result does not depend on the order of the items (ties of `min`/`max`
/// aside, which the error's note mentions).
pub(super) const ORDER_INDEPENDENT: &[&str] = &[
    "sum", "product", "count", "min", "max", "all", "any", "len", "is_empty",
];

/// Methods that read (or, on a cell or thread-local, set) a global's value. The ones that
/// certainly change it (`fetch_add`, `store`, `lock`...) are refused by name in `visitor`.
pub(super) const GLOBAL_READERS: &[&str] = &[
    "load",
    "read",
    "try_read",
    "get",
    "get_or_init",
    "get_or_try_init",
    "with",
    "with_borrow",
    "with_borrow_mut",
    "set",
    "take",
    "replace",
    "borrow",
    "try_borrow",
];

/// Order-independent consumers whose result still depends on the order for floats.
pub(super) const SUMS: &[&str] = &["sum", "product"];

/// Collections whose content does not depend on insertion order.
pub(super) const UNORDERED_TARGETS: &[&str] =
    &["BTreeMap", "BTreeSet", "HashMap", "HashSet", "BinaryHeap"];

/// Sorting methods that make a collected `Vec` independent of the order it was filled in.
pub(super) const SORTS: &[&str] = &[
    "sort",
    "sort_unstable",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "sort_by_cached_key",
];
/// Whether `call` produces an iterator over a collection's entries (the calls the probe wraps).
pub(super) fn is_iterating(call: &syn::ExprMethodCall) -> bool {
    ITERATING.contains(&call.method.to_string().as_str())
}

/// Whether `call` reads a global through a method (`CONFIG.get()`; the calls the global probe
/// checks).
/// `x.elapsed()`: a clock reading when `x` is a point in time, which the clock probe decides.
pub(super) fn reads_elapsed(call: &syn::ExprMethodCall) -> bool {
    call.method == "elapsed" && call.args.is_empty()
}

pub(super) fn reads_global(call: &syn::ExprMethodCall) -> bool {
    GLOBAL_READERS.contains(&call.method.to_string().as_str()) && names_global(&call.receiver)
}

/// A static or global named in SCREAMING_CASE (`COUNTER`, `config::CACHE`).
pub(super) fn names_global(expr: &Expr) -> bool {
    let Expr::Path(p) = expr else { return false };
    p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| {
            let name = s.ident.to_string();
            name.len() > 1
                && name.chars().any(|c| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
}

pub(super) fn is_adapter(call: &syn::ExprMethodCall) -> bool {
    ADAPTERS.contains(&call.method.to_string().as_str())
}

/// Whether `call` adapts or consumes its receiver as an iterator (order-independent
/// consumers aside).
pub(super) fn uses_iterator(call: &syn::ExprMethodCall) -> bool {
    is_adapter(call) || ITERATOR_USES.contains(&call.method.to_string().as_str())
}

/// A call to a function or method whose result is not itself an iteration the probes see by
/// name: `names(&map)`, `Self::pending(&s.map)`, `s.ids()`.
pub(super) fn is_helper_call(expr: &Expr) -> bool {
    match expr {
        Expr::Call(_) => true,
        Expr::MethodCall(call) => {
            !is_iterating(call)
                && !uses_iterator(call)
                && !ORDER_INDEPENDENT.contains(&call.method.to_string().as_str())
        }
        _ => false,
    }
}

/// The arguments of a helper call, and a method call's receiver.
pub(super) fn helper_arguments(call: &Expr) -> Box<dyn Iterator<Item = &Expr> + '_> {
    match call {
        Expr::Call(call) => Box::new(call.args.iter()),
        Expr::MethodCall(call) => {
            Box::new(std::iter::once(&*call.receiver).chain(call.args.iter()))
        }
        _ => Box::new(std::iter::empty()),
    }
}

/// A variable or a field, or a borrow of one (`map`, `&s.map`, `&mut self.sets.open`): a
/// second evaluation reads the same value and calls nothing.
pub(super) fn is_place(expr: &Expr) -> bool {
    match expr {
        Expr::Path(path) => path.qself.is_none(),
        Expr::Field(field) => is_place(&field.base),
        Expr::Paren(paren) => is_place(&paren.expr),
        Expr::Reference(reference) => is_place(&reference.expr),
        _ => false,
    }
}

/// Whether `call` consumes an iteration (through adapters) in a way its order cannot show.
pub(super) fn order_cannot_show(call: &syn::ExprMethodCall) -> bool {
    let name = call.method.to_string();
    let consumes = ORDER_INDEPENDENT.contains(&name.as_str())
        || (name == "collect" && collects_unordered(call));
    consumes && ends_in_iteration(&call.receiver)
}

/// Whether `expr` is a chain of adapters over an iterating call (`map.values().map(..)`) or
/// over a helper's result (`names(&map).cloned()`): the chains the probes would check, which
/// an order-independent consumer lets through.
pub(super) fn ends_in_iteration(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(call) if is_iterating(call) => true,
        Expr::MethodCall(call) if is_adapter(call) => ends_in_iteration(&call.receiver),
        other => is_helper_call(other),
    }
}

/// `collect::<BTreeMap<..>>()` and the like.
pub(super) fn collects_unordered(call: &syn::ExprMethodCall) -> bool {
    call.turbofish.as_ref().is_some_and(|turbofish| {
        turbofish.args.iter().any(|arg| match arg {
            syn::GenericArgument::Type(ty) => is_unordered_collection(ty),
            _ => false,
        })
    })
}

/// Whether `ty` names a collection whose content does not depend on insertion order.
pub(super) fn is_unordered_collection(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path
        .path
        .segments
        .last()
        .is_some_and(|s| UNORDERED_TARGETS.contains(&s.ident.to_string().as_str())))
}

/// The name a `let NAME = <iteration>.collect();` binds, when the statement is one.
pub(super) fn sorted_binding(stmt: &syn::Stmt) -> Option<String> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref()?;
    let Expr::MethodCall(call) = &*init.expr else {
        return None;
    };
    if call.method != "collect" || !ends_in_iteration(&call.receiver) {
        return None;
    }
    let pat = match &local.pat {
        syn::Pat::Type(typed) => &*typed.pat,
        other => other,
    };
    match pat {
        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
        _ => None,
    }
}

/// Whether `stmt` is `let NAME: BTreeMap<..> = <iteration>.collect();` (or another collection
/// whose content does not depend on insertion order): the annotated form of
/// `collect::<BTreeMap<..>>()`.
pub(super) fn collects_into_unordered_binding(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Local(local) = stmt else {
        return false;
    };
    let syn::Pat::Type(typed) = &local.pat else {
        return false;
    };
    is_unordered_collection(&typed.ty)
        && local
            .init
            .as_ref()
            .is_some_and(|init| yields_collect(&init.expr))
}

/// Whether the value of `expr` is that of a `<iteration>.collect()`: the call itself, or
/// `ctx.state(|s| <iteration>.collect())`, whose closure's value it returns.
pub(super) fn yields_collect(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(call) if is_order_free_collect(call) => true,
        Expr::MethodCall(call) if is_state_read(call) => {
            call.args.first().is_some_and(yields_collect)
        }
        Expr::Closure(closure) => yields_collect(&closure.body),
        Expr::Block(block) => {
            matches!(block.block.stmts.last(), Some(syn::Stmt::Expr(tail, None)) if yields_collect(tail))
        }
        _ => false,
    }
}

/// `<iteration>.collect()`.
pub(super) fn is_order_free_collect(call: &syn::ExprMethodCall) -> bool {
    call.method == "collect" && ends_in_iteration(&call.receiver)
}

/// `ctx.state(|s| ..)`, which returns its closure's value.
pub(super) fn is_state_read(call: &syn::ExprMethodCall) -> bool {
    call.method == "state" && call.args.len() == 1
}

/// Whether `stmt` is `NAME.sort..(..);`.
pub(super) fn sorts(stmt: &syn::Stmt, name: &str) -> bool {
    let syn::Stmt::Expr(Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    SORTS.contains(&call.method.to_string().as_str())
        && matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident(name))
}
