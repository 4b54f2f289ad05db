//! The type-aware half of the check, in probes the runtime defines:
//! - every iterating call (`.iter()`, `.keys()`, `.drain()`...), every `for` loop's iterator
//!   and every call's result that an adapter or a `collect` takes, in a checked body, goes
//!   through the order probe, which fails to compile for the iterators of `HashMap` and
//!   `HashSet` whatever built them (`workflow_runtime::__private::OrderProbe`), unless the
//!   iterated collection is a variable or a field whose hasher has fixed keys (`HasherProbe`).
//!   Left alone: iteration whose order cannot show: straight into an order-independent
//!   consumer (`sum`, `count`, `min`, `all`...), into a `collect` of an ordered or unordered
//!   collection, or into a `Vec` binding sorted by the next statement;
//! - the iterator a `sum` or `product` takes goes through the sum probe, which fails to
//!   compile for floats in a hash collection's order (`SumProbe`);
//! - an iterated call's result goes through the helper probe once per argument that is a
//!   place, which fails to compile when that argument is a hash collection and the result an
//!   iterator whose type hides its order, such as an `impl Iterator` (`ReturnProbe`);
//! - every global read through a method (`CONFIG.get()`, `FLAG.load(..)`, `COUNTER.with(..)`)
//!   goes through the global probe, which fails to compile when the global's type has interior
//!   mutability (`workflow_runtime::__private::GlobalProbe`);
//! - the receiver of every `.elapsed()` goes through the clock probe, which fails to compile
//!   when it is an `Instant` or a `SystemTime`, wherever the value came from
//!   (`workflow_runtime::__private::ClockProbe`).
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
    shapes::{
        SUMS, collects_into_unordered_binding, helper_arguments, is_adapter, is_helper_call,
        is_iterating, is_order_free_collect, is_place, is_state_read, order_cannot_show,
        reads_elapsed, reads_global, sorted_binding, sorts, uses_iterator,
    },
};
use crate::symbol::ALLOW_NONDETERMINISM;

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
        use #krate::__private::{
            AnyArgument as _, AnyGlobal as _, AnyHasherKind as _, AnyOrder as _,
            AnyReturn as _, AnySum as _, AnyTime as _, ClockTime as _, FixedHasherKind as _,
            FloatSum as _, HashArgument as _, HiddenReturn as _, RandomOrder as _,
            SharedBehindDeref as _, SharedGlobal as _, VisibleReturn as _,
        };
    }
}

/// How many enclosing `#[allow_nondeterminism]` cover each probe's category.
#[derive(Default, Clone, Copy)]
struct Allowed {
    ordering: usize,
    global_state: usize,
    time: usize,
}

impl Allowed {
    /// Counts the allows in `attrs`; returns what they added, for `leave`.
    fn enter(&mut self, attrs: &[syn::Attribute]) -> Allowed {
        let added = Allowed {
            ordering: usize::from(allows(attrs, Category::Ordering)),
            global_state: usize::from(allows(attrs, Category::GlobalState)),
            time: usize::from(allows(attrs, Category::Time)),
        };
        self.ordering += added.ordering;
        self.global_state += added.global_state;
        self.time += added.time;
        added
    }

    fn leave(&mut self, added: Allowed) {
        self.ordering -= added.ordering;
        self.global_state -= added.global_state;
        self.time -= added.time;
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

    /// Routes the receiver of an `.elapsed()` through the clock probe; an error points at
    /// `span`.
    fn probe_clock(&mut self, receiver: &mut Expr, span: proc_macro2::Span) {
        if self.allowed.time > 0 {
            return;
        }
        let krate = self.krate_at(span);
        let value = receiver.to_token_stream();
        *receiver = syn::parse_quote_spanned! {span=>
            (*#krate::__private::ClockProbe(&#value).clock_checked())
        };
        self.probed = true;
    }

    /// Wraps `iterator` in the probe; a hash iterator's error points at `span`. `collection`
    /// is what it iterates when that is a place (see [`is_place`]), whose hasher the probe
    /// reads: a fixed-hasher map iterates freely. Otherwise the hasher counts as random.
    fn probe(&mut self, iterator: &mut Expr, collection: Option<&Expr>, span: proc_macro2::Span) {
        if self.allowed.ordering > 0 {
            return;
        }
        let krate = self.krate_at(span);
        let kind = match collection.filter(|c| is_place(c)) {
            Some(place) => quote::quote_spanned! {span=>
                #krate::__private::HasherProbe(&(#place)).hasher_kind()
            },
            None => quote::quote_spanned! {span=> #krate::__private::RandomHasher },
        };
        let inner = iterator.to_token_stream();
        *iterator = syn::parse_quote_spanned! {span=>
            #krate::__private::OrderProbe(#kind, ::core::option::Option::Some(#inner))
                .order_checked()
        };
        self.probed = true;
    }

    /// Wraps the iterator a `sum` or `product` consumes in the sum probe, which refuses floats
    /// added up in hash order; an error points at `span`.
    fn probe_sum(&mut self, iterator: &mut Expr, span: proc_macro2::Span) {
        if self.allowed.ordering > 0 {
            return;
        }
        let krate = self.krate_at(span);
        let inner = iterator.to_token_stream();
        *iterator = syn::parse_quote_spanned! {span=>
            #krate::__private::SumProbe(::core::option::Option::Some(#inner)).sum_checked()
        };
        self.probed = true;
    }

    /// Routes the result of `call`, a function or method that workflow code iterates, through
    /// the helper probe once per argument (and receiver) that names a place, so an iterator
    /// the function made from a hash collection is refused when its type hides its order.
    /// Arguments that are not places (`make()`, a closure, a literal) are left out: their
    /// kind is taken before the call, by a second evaluation only a place makes harmless.
    fn probe_helper_result(&mut self, call: &mut Expr) {
        if self.allowed.ordering > 0 {
            return;
        }
        let places: Vec<TokenStream> = helper_arguments(call)
            .filter(|arg| is_place(arg))
            .map(ToTokens::to_token_stream)
            .collect();
        if places.is_empty() {
            return;
        }
        let span = match &*call {
            Expr::MethodCall(method) => method.method.span(),
            other => other.span(),
        };
        let krate = self.krate_at(span);
        let mut result = call.to_token_stream();
        for place in places {
            // The kind first: the call may move the place.
            result = quote::quote_spanned! {span=>
                #krate::__private::ReturnProbe(
                    #krate::__private::ArgumentProbe(&(#place)).argument_kind(),
                    ::core::option::Option::Some(#result),
                )
                .returned_checked()
            };
        }
        *call = syn::parse_quote_spanned! {span=> #result };
        self.probed = true;
    }

    /// Visits the initializer of a binding whose value a `<iteration>.collect()` gives (see
    /// [`yields_collect`]), leaving that collect's chain unprobed and probing the rest.
    fn visit_collected(&mut self, expr: &mut Expr) {
        match expr {
            Expr::MethodCall(call) if is_order_free_collect(call) => {
                self.visit_attributes_mut(&mut call.attrs);
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
                self.visit_unprobed_chain(&mut call.receiver);
            }
            Expr::MethodCall(call) if is_state_read(call) => {
                self.visit_attributes_mut(&mut call.attrs);
                self.visit_expr_mut(&mut call.receiver);
                for arg in &mut call.args {
                    self.visit_collected(arg);
                }
            }
            Expr::Closure(closure) => {
                self.visit_attributes_mut(&mut closure.attrs);
                self.visit_collected(&mut closure.body);
            }
            Expr::Block(block) => {
                self.visit_attributes_mut(&mut block.attrs);
                let count = block.block.stmts.len();
                for (index, stmt) in block.block.stmts.iter_mut().enumerate() {
                    match stmt {
                        syn::Stmt::Expr(tail, None) if index + 1 == count => {
                            self.visit_collected(tail);
                        }
                        other => self.visit_stmt_mut(other),
                    }
                }
            }
            other => self.visit_expr_mut(other),
        }
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
            Expr::MethodCall(call) if reads_elapsed(call) => {
                let span = call.method.span();
                syn::visit_mut::visit_expr_method_call_mut(self, call);
                self.probe_clock(&mut call.receiver, span);
            }
            Expr::MethodCall(call) if order_cannot_show(call) => {
                self.visit_attributes_mut(&mut call.attrs);
                for arg in &mut call.args {
                    self.visit_expr_mut(arg);
                }
                self.visit_unprobed_chain(&mut call.receiver);
                if SUMS.contains(&call.method.to_string().as_str()) {
                    let span = call.method.span();
                    self.probe_sum(&mut call.receiver, span);
                }
            }
            Expr::MethodCall(call) if is_iterating(call) => {
                let span = call.method.span();
                syn::visit_mut::visit_expr_method_call_mut(self, call);
                let collection = (*call.receiver).clone();
                self.probe(expr, Some(&collection), span);
            }
            Expr::MethodCall(call) if uses_iterator(call) && is_helper_call(&call.receiver) => {
                // `names(&map).cloned()`: what the function returned is iterated here.
                let span = match &*call.receiver {
                    Expr::MethodCall(base) => base.method.span(),
                    other => other.span(),
                };
                syn::visit_mut::visit_expr_method_call_mut(self, call);
                self.probe_helper_result(&mut call.receiver);
                self.probe(&mut call.receiver, None, span);
            }
            Expr::ForLoop(for_loop) => {
                // `for x in map.iter()` is probed at the call already.
                let probed_inside =
                    matches!(&*for_loop.expr, Expr::MethodCall(c) if is_iterating(c));
                syn::visit_mut::visit_expr_for_loop_mut(self, for_loop);
                if is_helper_call(&for_loop.expr) {
                    self.probe_helper_result(&mut for_loop.expr);
                }
                if !probed_inside {
                    let span = for_loop.expr.span();
                    let iterable = (*for_loop.expr).clone();
                    *for_loop.expr = syn::parse_quote_spanned! {span=>
                        ::core::iter::IntoIterator::into_iter(#iterable)
                    };
                    self.probe(&mut for_loop.expr, Some(&iterable), span);
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
            let order_free = sorted_next || collects_into_unordered_binding(&block.stmts[index]);
            let stmt = &mut block.stmts[index];
            let entered = self.allowed.enter(stmt_attrs(stmt));
            match stmt {
                syn::Stmt::Local(local) if order_free => {
                    self.visit_attributes_mut(&mut local.attrs);
                    if let Some(init) = &mut local.init {
                        // `sorted_binding` or `collects_into_unordered_binding` saw the
                        // `<iteration>.collect()` whose value the binding takes.
                        self.visit_collected(&mut init.expr);
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
        // The hasher of a place is read; one the macros cannot name twice counts as random.
        assert!(
            out.contains("HasherProbe (& (& self . map)) . hasher_kind ()"),
            "{out}"
        );
        assert!(
            out.contains("HasherProbe (& (state . set)) . hasher_kind ()"),
            "{out}"
        );
        let made = rewritten(quote! { let first = make().iter().next(); });
        assert!(
            made.contains("OrderProbe (:: wr :: __private :: RandomHasher"),
            "{made}"
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
            let annotated: BTreeMap<_, _> = map.iter().map(|(k, v)| (k, v + 1)).collect();
            let names: std::collections::BTreeSet<String> = map.keys().cloned().collect();
            let low: BTreeMap<String, u32> = ctx.state(|s| s.levels.iter().map(|(k, v)| (k.clone(), *v)).collect());
            let skus: BTreeSet<String> = ctx.state(|s| { let n = 1; s.levels.keys().cloned().collect() });
        });
        assert!(!out.contains("OrderProbe"), "{out}");
    }

    #[test]
    fn an_unsorted_collect_and_a_first_element_are_probed() {
        let out = rewritten(quote! {
            let keys: Vec<_> = map.keys().collect();
            let first = map.keys().next();
            let listed: BTreeSet<String> = ctx.state(|s| s.ids.iter().next().cloned().into_iter().collect());
        });
        assert_eq!(out.matches("OrderProbe").count(), 3, "{out}");
    }

    #[test]
    fn sums_and_products_go_through_the_sum_probe() {
        let out = rewritten(quote! {
            let total: f64 = map.values().sum();
            let doubled = map.values().map(|p| p * 2.0).sum::<f64>();
            let product: u64 = set.iter().product();
            let n = map.keys().count();
            #[allow_nondeterminism(ordering, reason = "a log line")]
            let logged: f64 = map.values().sum();
        });
        assert_eq!(out.matches("SumProbe").count(), 3, "{out}");
        assert!(!out.contains("OrderProbe"), "{out}");
        assert!(
            out.contains("SumProbe (:: core :: option :: Option :: Some (map . values () . map (| p | p * 2.0))) . sum_checked ()"),
            "{out}"
        );
    }

    #[test]
    fn iterated_results_of_calls_given_places_go_through_the_helper_probe() {
        let out = rewritten(quote! {
            for name in names(&s.map) {}
            let listed: Vec<_> = names(&s.map).cloned().collect();
            let first = s.pending().next();
        });
        assert_eq!(out.matches("ReturnProbe").count(), 3, "{out}");
        assert!(
            out.contains("ArgumentProbe (& (& s . map)) . argument_kind ()"),
            "{out}"
        );
        // The loop's and the two chains' bases are order-probed too.
        assert_eq!(out.matches("OrderProbe").count(), 3, "{out}");
    }

    #[test]
    fn calls_left_out_of_the_helper_probe() {
        let out = rewritten(quote! {
            // Not iterated, or iterated order-free.
            let names = names(&s.map);
            let n = names(&s.map).count();
            let total: u32 = totals(&s.map).map(|t| t * 2).sum();
            let set = names(&s.map).collect::<BTreeSet<_>>();
            let mut sorted: Vec<_> = names(&s.map).collect();
            sorted.sort();
            // No place among the arguments: a second evaluation could run code.
            let made: Vec<_> = build(make()).map(|x| x + 1).collect();
            #[allow_nondeterminism(ordering, reason = "printed only")]
            for name in names(&s.map) {}
        });
        assert!(!out.contains("ReturnProbe"), "{out}");
    }

    #[test]
    fn every_elapsed_is_probed_unless_time_is_allowed() {
        let out = rewritten(quote! {
            let spent = self.started.elapsed();
            let age = created_at().elapsed();
            let shifted = start.elapsed_since(other);
            #[allow_nondeterminism(time, reason = "only logged")]
            let logged = started.elapsed();
        });
        assert_eq!(out.matches("ClockProbe").count(), 2, "{out}");
        assert!(
            out.contains("(* :: wr :: __private :: ClockProbe (& self . started) . clock_checked ()) . elapsed ()"),
            "{out}"
        );
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
