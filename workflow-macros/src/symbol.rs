//! The attribute names and argument keys of the macros, spelled once (serde_derive's
//! `symbol.rs`). Code compares paths and idents with these constants instead of string
//! literals, so a misspelt name does not compile.

use std::fmt;

/// An attribute name (`run`) or an argument key (`name` in `#[signal(name = "..")]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Symbol(&'static str);

/// `#[workflow]` on an impl block.
pub(crate) const WORKFLOW: Symbol = Symbol("workflow");
/// `#[run]`: the entry point of a workflow.
pub(crate) const RUN: Symbol = Symbol("run");
/// `#[init]`: the constructor that builds a workflow's state from the run's input.
pub(crate) const INIT: Symbol = Symbol("init");
/// `#[signal]` handlers.
pub(crate) const SIGNAL: Symbol = Symbol("signal");
/// `#[query]` handlers.
pub(crate) const QUERY: Symbol = Symbol("query");
/// `#[update]` handlers.
pub(crate) const UPDATE: Symbol = Symbol("update");
/// `#[activity]` on a function or a method of an `#[activities]` impl.
pub(crate) const ACTIVITY: Symbol = Symbol("activity");
/// `#[activities]` on an impl block.
pub(crate) const ACTIVITIES: Symbol = Symbol("activities");
/// `#[deterministic]` on a helper function, impl or module.
pub(crate) const DETERMINISTIC: Symbol = Symbol("deterministic");
/// `#[allow_nondeterminism(..)]`: the determinism check's opt-out.
pub(crate) const ALLOW_NONDETERMINISM: Symbol = Symbol("allow_nondeterminism");

/// `name = ".."`: the wire name of a workflow, activity or handler.
pub(crate) const NAME: Symbol = Symbol("name");
/// `versioning = pinned | auto_upgrade`: a workflow's behaviour under worker versioning.
pub(crate) const VERSIONING: Symbol = Symbol("versioning");
/// `crate = path`: where the runtime is, for crates that re-export it.
pub(crate) const CRATE: Symbol = Symbol("crate");
/// `dynamic`: a handler that receives every name without a handler of its own.
pub(crate) const DYNAMIC: Symbol = Symbol("dynamic");
/// `validator = Self::check` on an `#[update]`.
pub(crate) const VALIDATOR: Symbol = Symbol("validator");
/// `reason = ".."` in `#[allow_nondeterminism(..)]`.
pub(crate) const REASON: Symbol = Symbol("reason");

impl Symbol {
    pub(crate) fn as_str(self) -> &'static str {
        self.0
    }
}

impl PartialEq<Symbol> for syn::Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for syn::Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &syn::Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
