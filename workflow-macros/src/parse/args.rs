//! Attribute arguments: `name = "..."`, `crate = path`, `versioning = pinned`, with
//! did-you-mean for unknown keys.

use syn::{Token, parse::Parser, punctuated::Punctuated};

use crate::{
    ctxt::Ctxt,
    model::Versioning,
    symbol::{CRATE, DYNAMIC, NAME, Symbol, VALIDATOR, VERSIONING},
};

/// Parsed arguments of `#[workflow(..)]`, `#[activity(..)]`, `#[activities(..)]` and the
/// handler attributes.
#[derive(Default)]
pub(crate) struct ItemArgs {
    pub(crate) name: Option<String>,
    pub(crate) krate: Option<syn::Path>,
    /// `dynamic`: the handler receives every name without a handler of its own.
    pub(crate) dynamic: Option<syn::Path>,
    /// `validator = Self::check`
    pub(crate) validator: Option<syn::Path>,
    /// `versioning = pinned` on a workflow.
    pub(crate) versioning: Option<Versioning>,
}

impl ItemArgs {
    pub(crate) fn krate(&self) -> syn::Path {
        self.krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::workflow_runtime))
    }
}

/// Parses `key = value` pairs; `accepted` lists the keys this attribute takes.
pub(crate) fn parse_args(
    cx: &Ctxt,
    attribute: Symbol,
    tokens: proc_macro2::TokenStream,
    accepted: &[Symbol],
) -> ItemArgs {
    let mut args = ItemArgs::default();
    let metas = match Punctuated::<syn::Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(metas) => metas,
        Err(e) => {
            cx.syn_error(syn::Error::new(
                e.span(),
                format!(
                    "expected `key = value` arguments in #[{attribute}(..)]; accepted: {}",
                    list(accepted)
                ),
            ));
            return args;
        }
    };
    for meta in metas {
        let key = meta
            .path()
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let Some(symbol) = accepted.iter().copied().find(|s| s.as_str() == key) else {
            let hint = did_you_mean(&key, accepted)
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            cx.error_spanned_by(
                meta.path(),
                format!(
                    "unknown argument `{key}` for #[{attribute}]: {hint}accepted: {}",
                    list(accepted)
                ),
            );
            continue;
        };
        if symbol == DYNAMIC {
            match &meta {
                syn::Meta::Path(path) => args.dynamic = Some(path.clone()),
                other => cx.error_spanned_by(other, "`dynamic` takes no value: #[signal(dynamic)]"),
            }
            continue;
        }
        let meta = match meta {
            syn::Meta::NameValue(meta) => meta,
            other => {
                cx.error_spanned_by(
                    &other,
                    format!("expected `{key} = ..` in #[{attribute}(..)]"),
                );
                continue;
            }
        };
        match symbol {
            NAME => match &meta.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) if !s.value().is_empty() => {
                    if args.name.replace(s.value()).is_some() {
                        cx.error_spanned_by(&meta.path, "duplicate argument `name`");
                    }
                }
                other => cx.error_spanned_by(
                    other,
                    "`name` takes a non-empty string literal, e.g. name = \"charge\"",
                ),
            },
            VALIDATOR => match &meta.value {
                syn::Expr::Path(p) if p.qself.is_none() => args.validator = Some(p.path.clone()),
                other => cx.error_spanned_by(
                    other,
                    "`validator` takes the path of a method of this impl, e.g. validator = Self::check_address",
                ),
            },
            VERSIONING => {
                let chosen = match &meta.value {
                    syn::Expr::Path(p) if p.path.is_ident("pinned") => Some(Versioning::Pinned),
                    syn::Expr::Path(p) if p.path.is_ident("auto_upgrade") => {
                        Some(Versioning::AutoUpgrade)
                    }
                    _ => None,
                };
                match chosen {
                    Some(chosen) => {
                        if args.versioning.replace(chosen).is_some() {
                            cx.error_spanned_by(&meta.path, "duplicate argument `versioning`");
                        }
                    }
                    None => cx.error_spanned_by(
                        &meta.value,
                        "`versioning` takes `pinned` (a run stays on the worker deployment \
                         version it started on) or `auto_upgrade` (a run moves to the current \
                         version at its next workflow task)",
                    ),
                }
            }
            CRATE => match &meta.value {
                syn::Expr::Path(p) => args.krate = Some(p.path.clone()),
                other => cx.error_spanned_by(
                    other,
                    "`crate` takes a path, e.g. crate = ::workflow_runtime",
                ),
            },
            _ => {}
        }
    }
    args
}

/// The accepted keys as the messages list them: `name, crate`.
fn list(accepted: &[Symbol]) -> String {
    let names: Vec<&str> = accepted.iter().map(|s| s.as_str()).collect();
    names.join(", ")
}

fn did_you_mean(key: &str, accepted: &[Symbol]) -> Option<Symbol> {
    accepted
        .iter()
        .map(|candidate| (edit_distance(key, candidate.as_str()), *candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, candidate)| (*distance, candidate.as_str()))
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(did_you_mean("nmae", &[NAME, CRATE]), Some(NAME));
        assert_eq!(did_you_mean("timeout", &[NAME, CRATE]), None);
    }
}
