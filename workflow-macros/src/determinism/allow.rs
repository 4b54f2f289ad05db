//! `#[allow_nondeterminism(category.., reason = "..")]`: parsing and validating the opt-out,
//! the stack of allows enclosing the code being checked, and stripping the attribute from the
//! expansion.

use proc_macro2::Span;
use syn::{Attribute, Expr, Token, punctuated::Punctuated};

use super::{catalog::Category, emit::Findings};
use crate::symbol::{ALLOW_NONDETERMINISM, REASON};

/// An enclosing `#[allow_nondeterminism]`.
struct AllowFrame {
    /// The categories it allows (empty: all).
    categories: Vec<Category>,
    /// Where it is, for the warning when it allows nothing.
    span: Span,
    /// Whether it suppressed a finding.
    used: bool,
}

/// The allows enclosing the code being checked, innermost last.
#[derive(Default)]
pub(crate) struct Allows {
    frames: Vec<AllowFrame>,
}

/// The `#[allow_nondeterminism]` among `attrs`, if any.
fn allow_attr(attrs: &[Attribute]) -> Option<&Attribute> {
    attrs.iter().find(|a| a.path() == ALLOW_NONDETERMINISM)
}

/// The arguments of an allow; `None` without parentheses.
fn arguments(attr: &Attribute) -> Option<Punctuated<syn::Meta, Token![,]>> {
    attr.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
        .ok()
}

/// The categories an `#[allow_nondeterminism]` among `attrs` covers (empty: all), or `None`
/// without one. Mistakes in it are left to [`Allows::enter`], which reports them.
pub(crate) fn categories(attrs: &[Attribute]) -> Option<Vec<Category>> {
    let metas = allow_attr(attrs).map(arguments)?.unwrap_or_default();
    Some(
        metas
            .iter()
            .filter_map(|meta| match meta {
                syn::Meta::Path(path) => path.get_ident().and_then(Category::named),
                _ => None,
            })
            .collect(),
    )
}

impl Allows {
    /// Validates `#[allow_nondeterminism(..)]` among `attrs`; returns true (and pushes the
    /// allowed categories) when one is present.
    pub(crate) fn enter(&mut self, findings: &Findings<'_>, attrs: &[Attribute]) -> bool {
        let Some(attr) = allow_attr(attrs) else {
            return false;
        };
        let mut categories = Vec::new();
        let mut reason = None;
        // Without parentheses there is no reason either; that is reported below.
        if let Some(metas) = arguments(attr) {
            for meta in metas {
                match &meta {
                    syn::Meta::NameValue(nv) if nv.path == REASON => {
                        if let Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) = &nv.value
                        {
                            reason = Some(s.value());
                        } else {
                            findings.error(&nv.value, "`reason` takes a string literal");
                        }
                    }
                    syn::Meta::Path(p) => match p.get_ident().and_then(Category::named) {
                        Some(category) => categories.push(category),
                        None => findings.error(
                            p,
                            format!(
                                "unknown category `{}` in #[allow_nondeterminism]; accepted: {}",
                                p.get_ident().map(ToString::to_string).unwrap_or_default(),
                                Category::ALL.map(Category::name).join(", ")
                            ),
                        ),
                    },
                    other => findings.error(
                        other,
                        "expected a category (time, random, ...) or reason = \"...\"",
                    ),
                }
            }
        }
        if reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            findings.error(
                attr,
                "#[allow_nondeterminism] requires a reason: #[allow_nondeterminism(reason = \"why this cannot break replay\")]",
            );
        }
        self.frames.push(AllowFrame {
            categories,
            span: attr.pound_token.span,
            used: false,
        });
        true
    }

    /// Whether an enclosing allow covers `category`; marks the innermost one that does as used.
    pub(crate) fn covers(&mut self, category: Category) -> bool {
        match self
            .frames
            .iter_mut()
            .rev()
            .find(|f| f.categories.is_empty() || f.categories.contains(&category))
        {
            Some(frame) => {
                frame.used = true;
                true
            }
            None => false,
        }
    }

    /// Leaves an allow; one that suppressed nothing is reported, so stale allows do not hide
    /// future mistakes.
    pub(crate) fn leave(&mut self, findings: &mut Findings<'_>) {
        if let Some(frame) = self.frames.pop()
            && !frame.used
        {
            findings.warn(
                frame.span,
                "this #[allow_nondeterminism] allows nothing: no non-deterministic call \
                 is under it; remove it"
                    .to_owned(),
            );
        }
    }
}

/// The attributes of `expr` that the check reads for an allow: those of calls, paths, blocks,
/// closures, async and unsafe blocks, macros, tuples and `for` loops.
pub(crate) fn expr_attrs(expr: &Expr) -> &[Attribute] {
    match expr {
        Expr::Call(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unsafe(e) => &e.attrs,
        Expr::ForLoop(e) => &e.attrs,
        _ => &[],
    }
}

/// The attributes of `stmt` that the check reads for an allow: those of `let` and macro
/// statements (an item statement is read when the item is visited).
pub(crate) fn stmt_attrs(stmt: &syn::Stmt) -> &[Attribute] {
    match stmt {
        syn::Stmt::Local(local) => &local.attrs,
        syn::Stmt::Macro(mac) => &mac.attrs,
        _ => &[],
    }
}
