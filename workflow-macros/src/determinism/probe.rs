//! The type-aware half of the check, in two probes the runtime defines:
//! - every iterating call (`.iter()`, `.keys()`, `.drain()`...) and every `for` loop's iterator
//!   of a checked body goes through the order probe, which fails to compile for the iterators
//!   of `HashMap` and `HashSet` whatever built them (`workflow_runtime::__private::OrderProbe`).
//!   Left alone: iteration whose order cannot show: straight into an order-independent
//!   consumer (`sum`, `count`, `min`, `all`...), into a `collect` of an ordered or unordered
//!   collection, or into a `Vec` binding sorted by the next statement;
//! - every global read through a method (`CONFIG.get()`, `FLAG.load(..)`, `COUNTER.with(..)`)
//!   goes through the global probe, which fails to compile when the global's type has interior
//!   mutability (`workflow_runtime::__private::GlobalProbe`).
//!
//! Code under `#[allow_nondeterminism]` for the probe's category is left alone.

use proc_macro2::TokenStream;
use quote::ToTokens;
#[cfg(test)]
use quote::quote;
use syn::{Expr, spanned::Spanned, visit_mut::VisitMut};

use super::{
    allow::{self, expr_attrs, stmt_attrs},
    catalog::Category,
};
use crate::symbol::ALLOW_NONDETERMINISM;

/// Method calls that produce an iterator over a collection's entries.
const ITERATING: &[&str] = &[
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
const ADAPTERS: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "cloned",
    "copied",
    "flat_map",
    "flatten",
    "inspect",
];

/// Consumers whose result does not depend on the order of the items (ties of `min`/`max`
/// aside, which the error's note mentions).
const ORDER_INDEPENDENT: &[&str] = &[
    "sum", "product", "count", "min", "max", "all", "any", "len", "is_empty",
];

/// Methods that read (or, on a cell or thread-local, set) a global's value. The ones that
/// certainly change it (`fetch_add`, `store`, `lock`...) are refused by name in `visitor`.
const GLOBAL_READERS: &[&str] = &[
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

/// Collections whose content does not depend on insertion order.
const UNORDERED_TARGETS: &[&str] = &["BTreeMap", "BTreeSet", "HashMap", "HashSet", "BinaryHeap"];

/// Sorting methods that make a collected `Vec` independent of the order it was filled in.
const SORTS: &[&str] = &[
    "sort",
    "sort_unstable",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "sort_by_cached_key",
];

/// Routes a checked body's iteration and global reads through the runtime's probes, and
/// strips its `#[allow_nondeterminism]` attributes; `krate` is the runtime's path.
pub(crate) fn probe_body(
    krate: &syn::Path,
    attrs: &mut Vec<syn::Attribute>,
    body: &mut syn::Block,
) {
    let krate = krate.to_token_stream();
    if rewrite(attrs, body, &krate) {
        body.stmts.insert(0, traits_in_scope(&krate));
    }
}

/// [`probe_body`] for every method of an impl.
pub(crate) fn probe_impl(krate: &syn::Path, item_impl: &mut syn::ItemImpl) {
    for impl_item in &mut item_impl.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            probe_body(krate, &mut method.attrs, &mut method.block);
        }
    }
}

/// Probes the iteration in `body` and strips every `#[allow_nondeterminism]` (rustc does not
/// know the attribute, and on expressions it would need an unstable feature). syn's
/// `VisitMut` passes every attribute list through `visit_attributes_mut`, so no kind of node
/// is left out. Returns whether a probe was inserted, so the caller brings the probe's traits
/// into scope.
fn rewrite(attrs: &mut Vec<syn::Attribute>, body: &mut syn::Block, krate: &TokenStream) -> bool {
    let mut allowed = Allowed::default();
    // An allow on the function covers its whole body.
    allowed.enter(attrs);
    let mut prober = Prober {
        krate: krate.clone(),
        allowed,
        probed: false,
    };
    prober.visit_attributes_mut(attrs);
    prober.visit_block_mut(body);
    prober.probed
}

/// The statement that brings the probe's traits into scope, for the top of a probed body.
fn traits_in_scope(krate: &TokenStream) -> syn::Stmt {
    syn::parse_quote! {
        #[allow(unused_imports)]
        use #krate::__private::{AnyGlobal as _, AnyOrder as _, RandomOrder as _, SharedGlobal as _};
    }
}

/// How many enclosing `#[allow_nondeterminism]` cover each probe's category.
#[derive(Default, Clone, Copy)]
struct Allowed {
    ordering: usize,
    global_state: usize,
}

impl Allowed {
    /// Counts the allows in `attrs`; returns what they added, for `leave`.
    fn enter(&mut self, attrs: &[syn::Attribute]) -> Allowed {
        let added = Allowed {
            ordering: usize::from(allows(attrs, Category::Ordering)),
            global_state: usize::from(allows(attrs, Category::GlobalState)),
        };
        self.ordering += added.ordering;
        self.global_state += added.global_state;
        added
    }

    fn leave(&mut self, added: Allowed) {
        self.ordering -= added.ordering;
        self.global_state -= added.global_state;
    }
}

struct Prober {
    /// The runtime crate's path.
    krate: TokenStream,
    allowed: Allowed,
    probed: bool,
}

impl Prober {
    /// The runtime's path with every token at the user's span, so an error points at the call.
    fn krate_at(&self, span: proc_macro2::Span) -> TokenStream {
        self.krate
            .clone()
            .into_iter()
            .map(|mut token| {
                token.set_span(span);
                token
            })
            .collect()
    }

    /// Routes the global `receiver` through the global probe; an error points at `span`.
    fn probe_global(&mut self, receiver: &mut Expr, span: proc_macro2::Span) {
        if self.allowed.global_state > 0 {
            return;
        }
        let krate = self.krate_at(span);
        let global = receiver.to_token_stream();
        // Dereferenced, so the method sees the global itself: a by-value method of a `Copy`
        // global, or one that `&T` also has (`Ord::min`), resolves as it did before.
        *receiver = syn::parse_quote_spanned! {span=>
            (*#krate::__private::GlobalProbe(&#global).global_checked())
        };
        self.probed = true;
    }

    /// Wraps `iterator` in the probe; a hash iterator's error points at `span`.
    fn probe(&mut self, iterator: &mut Expr, span: proc_macro2::Span) {
        if self.allowed.ordering > 0 {
            return;
        }
        let krate = self.krate_at(span);
        let inner = iterator.to_token_stream();
        *iterator = syn::parse_quote_spanned! {span=>
            #krate::__private::OrderProbe(::core::option::Option::Some(#inner)).order_checked()
        };
        self.probed = true;
    }

    /// Visits an iterating call's receiver and arguments without probing the call itself.
    fn visit_unprobed_chain(&mut self, expr: &mut Expr) {
        match expr {
            Expr::MethodCall(call) if is_adapter(call) || is_iterating(call) => {
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
                if is_iterating(call) {
                    self.visit_expr_mut(&mut call.receiver);
                } else {
                    self.visit_unprobed_chain(&mut call.receiver);
                }
            }
            other => self.visit_expr_mut(other),
        }
    }
}

impl VisitMut for Prober {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
        attrs.retain(|a| a.path() != ALLOW_NONDETERMINISM);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        let attrs = expr_attrs(expr);
        let entered = self.allowed.enter(attrs);
        match expr {
            Expr::MethodCall(call) if reads_global(call) => {
                let span = call.method.span();
                self.visit_attributes_mut(&mut call.attrs);
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
                self.probe_global(&mut call.receiver, span);
            }
            Expr::MethodCall(call) if order_cannot_show(call) => {
                self.visit_attributes_mut(&mut call.attrs);
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
                self.visit_unprobed_chain(&mut call.receiver);
            }
            Expr::MethodCall(call) if is_iterating(call) => {
                let span = call.method.span();
                syn::visit_mut::visit_expr_method_call_mut(self, call);
                self.probe(expr, span);
            }
            Expr::ForLoop(for_loop) => {
                // `for x in map.iter()` is probed at the call already.
                let probed_inside =
                    matches!(&*for_loop.expr, Expr::MethodCall(c) if is_iterating(c));
                syn::visit_mut::visit_expr_for_loop_mut(self, for_loop);
                if !probed_inside {
                    let span = for_loop.expr.span();
                    let iterable = &for_loop.expr;
                    *for_loop.expr = syn::parse_quote_spanned! {span=>
                        ::core::iter::IntoIterator::into_iter(#iterable)
                    };
                    self.probe(&mut for_loop.expr, span);
                }
            }
            _ => syn::visit_mut::visit_expr_mut(self, expr),
        }
        self.allowed.leave(entered);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let count = block.stmts.len();
        for index in 0..count {
            let sorted_next = sorted_binding(&block.stmts[index])
                .is_some_and(|name| block.stmts.get(index + 1).is_some_and(|s| sorts(s, &name)));
            let stmt = &mut block.stmts[index];
            let entered = self.allowed.enter(stmt_attrs(stmt));
            match stmt {
                syn::Stmt::Local(local) if sorted_next => {
                    self.visit_attributes_mut(&mut local.attrs);
                    if let Some(init) = &mut local.init {
                        // `sorted_binding` saw `<iteration>.collect()` here.
                        if let Expr::MethodCall(collect) = &mut *init.expr {
                            for arg in &mut collect.args {
                                self.visit_expr_mut(arg);
                            }
                            self.visit_unprobed_chain(&mut collect.receiver);
                        }
                        if let Some((_, diverge)) = &mut init.diverge {
                            self.visit_expr_mut(diverge);
                        }
                    }
                }
                _ => self.visit_stmt_mut(stmt),
            }
            self.allowed.leave(entered);
        }
    }

    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        // Items nested in a body (a helper `fn`, a `mod`) are not workflow code by being
        // there: only their allows are stripped.
        struct Stripper;
        impl VisitMut for Stripper {
            fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
                attrs.retain(|a| a.path() != ALLOW_NONDETERMINISM);
            }
        }
        Stripper.visit_item_mut(item);
    }
}

/// Whether `call` produces an iterator over a collection's entries (the calls the probe wraps).
pub(super) fn is_iterating(call: &syn::ExprMethodCall) -> bool {
    ITERATING.contains(&call.method.to_string().as_str())
}

/// Whether `call` reads a global through a method (`CONFIG.get()`; the calls the global probe
/// checks).
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

fn is_adapter(call: &syn::ExprMethodCall) -> bool {
    ADAPTERS.contains(&call.method.to_string().as_str())
}

/// Whether `call` consumes an iteration (through adapters) in a way its order cannot show.
fn order_cannot_show(call: &syn::ExprMethodCall) -> bool {
    let name = call.method.to_string();
    let consumes = ORDER_INDEPENDENT.contains(&name.as_str())
        || (name == "collect" && collects_unordered(call));
    consumes && ends_in_iteration(&call.receiver)
}

fn ends_in_iteration(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(call) if is_iterating(call) => true,
        Expr::MethodCall(call) if is_adapter(call) => ends_in_iteration(&call.receiver),
        _ => false,
    }
}

/// `collect::<BTreeMap<..>>()` and the like.
fn collects_unordered(call: &syn::ExprMethodCall) -> bool {
    call.turbofish.as_ref().is_some_and(|turbofish| {
        turbofish.args.iter().any(|arg| match arg {
            syn::GenericArgument::Type(syn::Type::Path(path)) => path
                .path
                .segments
                .last()
                .is_some_and(|s| UNORDERED_TARGETS.contains(&s.ident.to_string().as_str())),
            _ => false,
        })
    })
}

/// The name a `let NAME = <iteration>.collect();` binds, when the statement is one.
fn sorted_binding(stmt: &syn::Stmt) -> Option<String> {
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

/// Whether `stmt` is `NAME.sort..(..);`.
fn sorts(stmt: &syn::Stmt, name: &str) -> bool {
    let syn::Stmt::Expr(Expr::MethodCall(call), _) = stmt else {
        return false;
    };
    SORTS.contains(&call.method.to_string().as_str())
        && matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident(name))
}

/// Whether `attrs` hold an `#[allow_nondeterminism]` that covers `category` (one that names
/// no category covers all).
fn allows(attrs: &[syn::Attribute], category: Category) -> bool {
    allow::categories(attrs)
        .is_some_and(|categories| categories.is_empty() || categories.contains(&category))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(body: TokenStream) -> String {
        let mut item: syn::ItemFn = syn::parse2(quote!(fn f() { #body })).expect("parses");
        rewrite(&mut item.attrs, &mut item.block, &quote!(::wr));
        item.block.to_token_stream().to_string()
    }

    #[test]
    fn every_allow_is_stripped_wherever_it_is() {
        let mut item: syn::ItemFn = syn::parse_quote! {
            #[allow_nondeterminism(reason = "fn")]
            #[inline]
            fn f() {
                #[allow_nondeterminism(reason = "let")]
                let a = 1;
                #[allow_nondeterminism(reason = "if")]
                if a == 1 {}
                match a {
                    #[allow_nondeterminism(reason = "arm")]
                    _ => {}
                }
                mod inner {
                    #[allow_nondeterminism(reason = "nested fn")]
                    fn g() {}
                }
            }
        };
        rewrite(&mut item.attrs, &mut item.block, &quote!(::wr));
        let stripped = item.to_token_stream().to_string();
        assert!(!stripped.contains("allow_nondeterminism"), "{stripped}");
        assert!(stripped.contains("inline"), "{stripped}");
    }

    #[test]
    fn iterating_calls_and_for_loops_are_probed() {
        let out = rewritten(quote! {
            for (k, v) in &self.map {}
            let first = state.set.iter().next();
        });
        assert_eq!(out.matches("OrderProbe").count(), 2, "{out}");
        assert!(
            out.contains("IntoIterator :: into_iter (& self . map)"),
            "{out}"
        );
    }

    #[test]
    fn order_independent_consumers_are_not_probed() {
        let out = rewritten(quote! {
            let total: u64 = map.values().sum();
            let n = map.keys().filter(|k| k.len() > 2).count();
            let any = map.values().copied().any(|v| v > 3);
            let ordered = map.iter().collect::<BTreeMap<_, _>>();
            let set = map.keys().collect::<BTreeSet<_>>();
            let rehashed = map.iter().collect::<HashMap<_, _>>();
            let again = set.iter().collect::<HashSet<_>>();
            let heap = map.values().collect::<BinaryHeap<_>>();
            let product: u64 = map.values().product();
            let (lo, empty) = (map.values().min(), map.keys().is_empty());
            let every = map.values().all(|v| *v > 0);
            let mut keys: Vec<_> = map.keys().cloned().collect();
            keys.sort();
            map.retain(|_, v| *v > 0);
        });
        assert!(!out.contains("OrderProbe"), "{out}");
    }

    #[test]
    fn an_unsorted_collect_and_a_first_element_are_probed() {
        let out = rewritten(quote! {
            let keys: Vec<_> = map.keys().collect();
            let first = map.keys().next();
        });
        assert_eq!(out.matches("OrderProbe").count(), 2, "{out}");
    }

    #[test]
    fn method_reads_of_globals_are_probed() {
        let out = rewritten(quote! {
            let on = FLAG.load(Ordering::SeqCst);
            let region = config::REGION.get();
            COUNTER.with(|c| c.get());
            let local = flag.load(Ordering::SeqCst);
            let first = LIMITS.iter().next();
            #[allow_nondeterminism(global_state, reason = "read for a log line")]
            let logged = FLAG.load(Ordering::SeqCst);
        });
        assert_eq!(out.matches("GlobalProbe").count(), 3, "{out}");
        assert!(
            out.contains("(* :: wr :: __private :: GlobalProbe (& config :: REGION) . global_checked ()) . get ()"),
            "{out}"
        );
    }

    #[test]
    fn an_allow_on_the_function_covers_its_body() {
        let mut item: syn::ItemFn = syn::parse_quote! {
            #[allow_nondeterminism(reason = "a debug helper")]
            fn f() {
                for v in map.values() {}
                let on = FLAG.load(Ordering::SeqCst);
            }
        };
        assert!(!rewrite(&mut item.attrs, &mut item.block, &quote!(::wr)));
    }

    #[test]
    fn allowed_code_is_left_alone_and_the_allow_is_stripped() {
        let out = rewritten(quote! {
            #[allow_nondeterminism(ordering, reason = "summed")]
            for v in map.values() {}
            #[allow_nondeterminism(time, reason = "other")]
            for v in map.values() {}
        });
        assert_eq!(out.matches("OrderProbe").count(), 1, "{out}");
        assert!(!out.contains("allow_nondeterminism"), "{out}");
    }
}
