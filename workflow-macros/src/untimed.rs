//! An activity call awaited before it has a timeout. `ctx.activity(f, input)` returns a value
//! that is not a future until `.options(..)` gives it one (Temporal refuses an activity
//! without a start-to-close or schedule-to-close timeout), and rustc's own error for it says
//! "is not a future" and suggests removing the `.await`, which sends a newcomer the wrong way.
//! The macro reports such an `.await` with the fix, and patches the call with a placeholder
//! timeout so that rustc adds no error of its own; so is such a call handed straight to
//! `ctx.join(..)` or `ctx.select(..)`, which await it. The check is by name: any method called
//! `activity`, `activity_by_name` or `local_activity` awaited at once, or passed at once to a method called
//! `join` or `select`, in workflow code.

use quote::{ToTokens, quote};
use syn::{Expr, spanned::Spanned, visit_mut::VisitMut};

use crate::ctxt::Ctxt;

/// The calls that return an activity without a timeout, and the options type that gives it
/// one.
const UNTIMED: &[(&str, &str)] = &[
    ("activity", "ActivityOptions"),
    ("activity_by_name", "ActivityOptions"),
    ("local_activity", "LocalActivityOptions"),
];
/// The workflow context's combinators, which await their arguments.
const COMBINATORS: &[&str] = &["join", "select"];

/// Reports every untimed activity call awaited in `block`, and patches it.
pub(crate) fn check_block(cx: &Ctxt, krate: &syn::Path, block: &mut syn::Block) {
    Finder { cx, krate }.visit_block_mut(block);
}

struct Finder<'a> {
    cx: &'a Ctxt,
    krate: &'a syn::Path,
}

impl Finder<'_> {
    /// Reports `call` (returning an untimed activity) if it is one, and gives it a placeholder
    /// timeout; `how` says what was done with it.
    fn patch(&self, call: &mut Expr, how: &str, at: proc_macro2::TokenStream) {
        let Expr::MethodCall(untimed) = &*call else {
            return;
        };
        let method = untimed.method.to_string();
        let Some(&(_, options)) = UNTIMED.iter().find(|(name, _)| *name == method) else {
            return;
        };
        let name = &untimed.method;
        self.cx.error_spanned_by(
            quote!(#name #at),
            format!(
                "`.{method}(..)` has no timeout yet, so it cannot be {how}: call \
                 `.options({options}::start_to_close(..))` on it first (Temporal refuses \
                 an activity without a start-to-close or schedule-to-close timeout)"
            ),
        );
        let tokens = call.to_token_stream();
        let krate = self.krate;
        let options = syn::Ident::new(options, tokens.span());
        *call = syn::parse_quote_spanned! {tokens.span()=>
            #tokens.options(#krate::#options::start_to_close(::core::time::Duration::ZERO))
        };
    }
}

impl VisitMut for Finder<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        match expr {
            Expr::Await(awaited) => {
                let (dot, keyword) = (&awaited.dot_token, &awaited.await_token);
                let at = quote!(#dot #keyword);
                self.patch(&mut awaited.base, "awaited", at);
            }
            Expr::MethodCall(combinator)
                if COMBINATORS.contains(&combinator.method.to_string().as_str()) =>
            {
                let how = format!("handed to `.{}(..)`", combinator.method);
                for argument in &mut combinator.args {
                    let at = argument.to_token_stream();
                    self.patch(argument, &how, at);
                }
            }
            _ => {}
        }
    }
}
