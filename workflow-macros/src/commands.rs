//! The command fingerprint of a `#[workflow]` impl: the calls in its methods that make the
//! workflow send a command to the server (activities, children, timers, signals and
//! cancellations of other workflows, continue-as-new, patches, upserts of search attributes
//! and memo), in source order, with their
//! targets. A change to it is a change to the commands a run replays, which breaks open runs
//! unless a patch guards it; `workflow_runtime::testing::VersioningLock` compares it with a
//! lock file. Only these calls count, so formatting, comments, logging, local renames and code
//! that sends no command leave it alone.

use quote::ToTokens;
use syn::visit::Visit;

use crate::determinism::tokens::{self, MacroBody};

/// One entry per command call, `method: command`, in source order.
pub(crate) fn fingerprint(item: &syn::ItemImpl) -> Vec<String> {
    let mut found = Vec::new();
    for impl_item in &item.items {
        if let syn::ImplItem::Fn(method) = impl_item {
            let mut calls = CommandCalls::default();
            calls.visit_block(&method.block);
            let name = method.sig.ident.to_string();
            found.extend(calls.0.into_iter().map(|call| format!("{name}: {call}")));
        }
    }
    found
}

#[derive(Default)]
struct CommandCalls(Vec<String>);

impl<'ast> Visit<'ast> for CommandCalls {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        // The receiver runs first (`ctx.child(..).start()`), then the arguments, then the call.
        self.visit_expr(&call.receiver);
        for arg in &call.args {
            self.visit_expr(arg);
        }
        if let Some(command) = command(call) {
            self.0.push(command);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let MacroBody::Expressions(args) = tokens::body(mac) {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
}

/// The command a method call sends, by the runtime's method names.
fn command(call: &syn::ExprMethodCall) -> Option<String> {
    let first = || call.args.first().map(spelled);
    let name = || call.args.first().and_then(string_literal);
    Some(match call.method.to_string().as_str() {
        "activity" => format!("activity `{}`", first()?),
        "activity_by_name" => format!("activity `{}`", name().or_else(first)?),
        "child" => format!("child workflow `{}`", workflow_of(&first()?)),
        "child_by_name" => format!("child workflow `{}`", name().or_else(first)?),
        "sleep" => "timer".to_owned(),
        "wait_condition_for" => "timer (wait_condition_for)".to_owned(),
        "signal" if !call.args.is_empty() => format!("signal `{}`", first()?),
        "signal_by_name" => format!("signal `{}`", name().or_else(first)?),
        "cancel" if call.args.is_empty() => "cancel request".to_owned(),
        "continue_as_new" => "continue as new".to_owned(),
        "upsert_search_attributes" => "upsert of search attributes".to_owned(),
        "upsert_memo" => "upsert of the memo".to_owned(),
        "patched" => format!("patch `{}`", name().or_else(first)?),
        "deprecate_patch" => format!("patch `{}` (deprecated)", name().or_else(first)?),
        _ => return None,
    })
}

/// An expression's tokens without spaces: `activities::charge`, `Order::run`.
fn spelled(expr: &syn::Expr) -> String {
    expr.to_token_stream().to_string().replace(' ', "")
}

fn string_literal(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// `Child::run` names workflow `Child`.
fn workflow_of(run: &str) -> String {
    run.strip_suffix("::run").unwrap_or(run).to_owned()
}

#[cfg(test)]
mod tests;
