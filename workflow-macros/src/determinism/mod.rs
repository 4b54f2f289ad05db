//! The compile-time determinism check: walks workflow code and reports every call, path,
//! macro or construct of the catalog, at the user's span. Errors and warnings are collected
//! and emitted together.
//!
//! `catalog` says what is refused and why; `scope` and `matcher` decide which rule a path
//! names; `visitor` walks the code (with `bindings` for the types of locals and `tokens` for
//! macro bodies); `allow` handles `#[allow_nondeterminism]`; `emit` turns findings into
//! errors and warnings; `probe` routes iteration and global reads through the runtime's probes.
//!
//! In this crate a *probe* is one thing only: a type-aware check by autoref that generated
//! code wraps around a value (`OrderProbe`, `GlobalProbe` in the runtime), which hands the value
//! back unchanged or fails to compile. Nothing else is called a probe.

mod allow;
mod bindings;
mod catalog;
mod emit;
mod matcher;
mod probe;
mod scope;
mod shapes;
pub(crate) mod tokens;
mod visitor;

pub(crate) use emit::{Warning, emit_warnings};
pub(crate) use probe::{probe_body, probe_impl};

use crate::ctxt::Ctxt;

/// Checks every method of `item_impl` (a workflow impl, or a `#[deterministic]` impl) and
/// reports errors to `cx`; returns the warnings to emit.
pub(crate) fn check(cx: &Ctxt, item_impl: &syn::ItemImpl) -> Vec<Warning> {
    let mut scope = scope::Scope::default();
    if let syn::Type::Path(ty) = &*item_impl.self_ty
        && let Some(name) = ty.path.segments.last()
    {
        scope.collect_file(&name.ident.to_string(), item_impl.impl_token.span);
    }
    check_impl(cx, scope, item_impl)
}

fn check_impl(cx: &Ctxt, mut scope: scope::Scope, item_impl: &syn::ItemImpl) -> Vec<Warning> {
    let items = crate::parse::methods(item_impl);
    for method in items.clone() {
        scope.collect_block(&method.block);
    }
    let mut checker = visitor::Checker::new(cx, &scope);
    for method in items {
        checker.check_function(&method.attrs, method.sig.inputs.iter(), &method.block);
    }
    checker.into_warnings()
}

/// Checks a free function marked `#[deterministic]`.
pub(crate) fn check_fn(cx: &Ctxt, item: &syn::ItemFn) -> Vec<Warning> {
    let mut scope = scope::Scope::default();
    scope.collect_file(&item.sig.ident.to_string(), item.sig.fn_token.span);
    check_fn_in(cx, scope, item)
}

/// Checks every function, and every method of every impl, of an inline module marked
/// `#[deterministic]`, and of the modules nested in it, each against the `use` items of its
/// own module; then probes their bodies (see [`probe_body`]). Returns the warnings to emit.
pub(crate) fn check_and_probe_module(
    cx: &Ctxt,
    krate: &syn::Path,
    items: &mut [syn::Item],
) -> Vec<Warning> {
    let scope = scope::Scope::of_module(items);
    let mut warnings = Vec::new();
    for item in items
        .iter_mut()
        .filter(|item| !left_to_its_own_attribute(item))
    {
        match item {
            syn::Item::Fn(item) => {
                warnings.extend(check_fn_in(cx, scope.clone(), item));
                probe_body(krate, &mut item.attrs, &mut item.block);
            }
            syn::Item::Impl(item) => {
                warnings.extend(check_impl(cx, scope.clone(), item));
                probe_impl(krate, item);
            }
            syn::Item::Mod(syn::ItemMod {
                content: Some((_, items)),
                ..
            }) => warnings.extend(check_and_probe_module(cx, krate, items)),
            _ => {}
        }
    }
    warnings
}

/// Whether a `#[deterministic]` module leaves `item` alone: an item with its own `#[workflow]`
/// or `#[deterministic]` is checked by it (not twice), and an `#[activity]` or
/// `#[activities]` item is where non-deterministic work belongs.
fn left_to_its_own_attribute(item: &syn::Item) -> bool {
    use crate::symbol::{ACTIVITIES, ACTIVITY, DETERMINISTIC, WORKFLOW};
    let attrs = match item {
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        _ => return false,
    };
    attrs.iter().any(|attr| {
        attr.path().segments.last().is_some_and(|last| {
            [WORKFLOW, DETERMINISTIC, ACTIVITY, ACTIVITIES]
                .iter()
                .any(|name| last.ident == *name)
        })
    })
}

fn check_fn_in(cx: &Ctxt, mut scope: scope::Scope, item: &syn::ItemFn) -> Vec<Warning> {
    scope.collect_block(&item.block);
    let mut checker = visitor::Checker::new(cx, &scope);
    checker.check_function(&[], item.sig.inputs.iter(), &item.block);
    checker.into_warnings()
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    use super::{
        catalog::{Kind, Level, RULES},
        *,
    };

    /// Findings (errors and warnings) for a function body.
    fn findings(body: TokenStream) -> (Vec<String>, usize) {
        let item: syn::ItemFn =
            syn::parse2(quote::quote!(fn checked() { #body })).expect("body parses");
        let cx = Ctxt::new();
        let warnings = check_fn(&cx, &item);
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        };
        (errors, warnings.len())
    }

    fn concrete(path: &str) -> String {
        path.strip_suffix("::*")
            .map_or_else(|| path.to_owned(), |p| format!("{p}::anything"))
    }

    #[test]
    fn every_path_and_suffix_of_the_catalog_is_found() {
        for rule in RULES {
            let spellings = rule
                .paths
                .iter()
                .map(|p| concrete(p))
                .chain(rule.suffixes.iter().map(|s| s.to_string()));
            for spelling in spellings {
                let path: syn::Path = syn::parse_str(&spelling).expect("catalog paths parse");
                let body = match rule.kind {
                    Kind::Path => quote::quote!(let _ = #path();),
                    Kind::Macro => quote::quote!(#path! { a = b => {} }),
                };
                let (errors, warnings) = findings(body);
                // Macro findings are named as the user spelled them (`futures::select!`).
                let named = match rule.kind {
                    Kind::Path => format!("{spelling}()"),
                    Kind::Macro => format!("{spelling}!"),
                };
                let found = match rule.level {
                    Level::Error => errors.iter().any(|e| e.starts_with(&named)),
                    Level::Warning => warnings == 1,
                };
                assert!(
                    found,
                    "`{spelling}` is not reported as {}: {errors:?}",
                    rule.what
                );
            }
        }
    }

    #[test]
    fn near_misses_are_not_reported() {
        for body in [
            quote::quote!(let now = ctx.now(); let later = now;),
            quote::quote!(let d = std::time::Duration::from_secs(1);),
            quote::quote!(let s = "SystemTime::now()";),
            quote::quote!(let m = std::collections::BTreeMap::<u8, u8>::new(); for x in &m {}),
            quote::quote!(let t = crate::clock::SystemTime::now();),
            quote::quote!(mod clock { pub fn now() {} } let t = clock::now();),
            quote::quote!(tokio::select! { biased; a = b => {} }),
            quote::quote!(let s = stringify!(std::time::SystemTime::now());),
            quote::quote!(let v = self.random(); let w = spawn(); let x = sleep(1);),
        ] {
            let (errors, warnings) = findings(body.clone());
            assert!(
                errors.is_empty() && warnings == 0,
                "{body}: {errors:?} / {warnings} warnings"
            );
        }
    }

    #[test]
    fn call_shapes_in_macro_bodies_are_warnings() {
        let (errors, warnings) = findings(quote::quote! {
            my_macro!(std::env::var("X"), as::cast(1), self::local(2));
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(warnings, 1);
    }

    #[test]
    fn allow_needs_a_reason_and_suppresses_its_subtree_only() {
        let (errors, _) = findings(quote::quote! {
            #[allow_nondeterminism(reason = "logged only")]
            let a = std::time::SystemTime::now();
            let b = std::time::SystemTime::now();
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        let (errors, _) = findings(quote::quote! {
            #[allow_nondeterminism]
            let a = std::time::SystemTime::now();
        });
        assert!(
            errors.iter().any(|e| e.contains("requires a reason")),
            "{errors:?}"
        );
    }

    #[test]
    fn aliases_and_globs_inside_the_item_resolve() {
        let (errors, _) = findings(quote::quote! {
            use std::time::SystemTime as Clock;
            use std::env::*;
            let a = Clock::now();
            let b = var("X");
        });
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn a_type_imported_from_a_rule_s_crate_is_matched_by_the_rule_s_suffixes() {
        let (errors, _) = findings(quote::quote! {
            use rand::rngs::StdRng;
            let rng = StdRng::from_entropy();
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        let (errors, _) = findings(quote::quote! {
            use my_crate::thread;
            let rng = thread::sleep(1);
        });
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn type_aliases_qualified_self_and_clock_constants_resolve() {
        let (errors, _) = findings(quote::quote! {
            type Clock = std::time::Instant;
            let a = Clock::now();
            use std::time::SystemTime;
            type Wall = SystemTime;
            let b = Wall::now();
            let c = <std::time::SystemTime>::now();
            let d = <Instant as Default>::now();
            let e = UNIX_EPOCH.elapsed();
            let f = std::time::SystemTime::UNIX_EPOCH.elapsed();
        });
        // `.elapsed()` is left to the clock probe, which sees the real type
        // (`ui-tests/fail/det_elapsed_by_type.rs`).
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(!errors.iter().any(|e| e.contains("elapsed")), "{errors:?}");
        let (errors, _) = findings(quote::quote! {
            type Id = u64;
            let a = Id::MAX;
            let b = MY_EPOCH.elapsed();
            let c = <Vec<u8>>::new();
        });
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn methods_of_typed_bindings_are_checked_as_their_type() {
        let (errors, _) = findings(quote::quote! {
            use std::fs::File;
            let log: File = open_log();
            let size = log.metadata();
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("log.metadata()"), "{errors:?}");
        let item: syn::ItemFn = syn::parse_quote! {
            fn size(log: std::fs::File) -> bool { log.metadata().is_ok() }
        };
        let cx = Ctxt::new();
        check_fn(&cx, &item);
        assert!(cx.check().is_err(), "a parameter typed File");
        // A user type that only shares the name is not the file.
        let (errors, _) = findings(quote::quote! {
            mod disk { pub struct File; impl File { pub fn open() -> Self { File } pub fn metadata(&self) -> u32 { 0 } } }
            let f = disk::File::open();
            let m = f.metadata();
        });
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn global_mutable_state_is_reported() {
        let (errors, _) = findings(quote::quote! {
            static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            static NAMES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
            static GREETING: &str = "hello";
            CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            crate::config::CACHE.lock();
            let local = std::sync::Mutex::new(1);
            let guard = local.lock();
        });
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors.iter().any(|e| e.starts_with("CALLS.fetch_add()")),
            "{errors:?}"
        );
    }

    #[test]
    fn addresses_used_as_data_are_reported() {
        let (errors, _) = findings(quote::quote! {
            let id = &order as *const Order as usize;
            let key = items.as_ptr() as u64;
            let raw = std::ptr::addr_of!(order) as usize;
            let shown = format!("{:p}", &order);
            tracing::info!("at {order:#p}");
            let bits = (&order as *const Order).addr();
            let hashed = std::ptr::hash(&order, &mut hasher);
        });
        assert_eq!(errors.len(), 7, "{errors:?}");
        let (errors, _) = findings(quote::quote! {
            let n = 3u8 as usize;
            let same = std::ptr::eq(&a, &b);
            let text = format!("{{:p}} {:?} {:>8}", a, b);
            let home = email.addr();
        });
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn parallel_iterators_are_reported() {
        let (errors, _) = findings(quote::quote! {
            items.par_iter().for_each(|i| seen.lock().unwrap().push(*i));
            let total: u32 = (0..10).into_par_iter().sum();
        });
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn an_allow_that_allows_nothing_is_a_warning() {
        let (errors, warnings) = findings(quote::quote! {
            #[allow_nondeterminism(reason = "left over from a refactor")]
            let a = 1 + 1;
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(warnings, 1);
        let (_, warnings) = findings(quote::quote! {
            #[allow_nondeterminism(reason = "logged only")]
            let a = std::time::SystemTime::now();
        });
        assert_eq!(warnings, 0);
    }
}
