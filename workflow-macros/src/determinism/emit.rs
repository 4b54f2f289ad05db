//! Where findings go. Errors go to the `Ctxt` at once; warnings are kept and emitted with the
//! expansion as uses of deprecated constants, the only compiler warnings a proc macro can raise
//! on stable Rust.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote_spanned};

use super::catalog::Level;
use crate::ctxt::Ctxt;

/// One finding that is not an error.
pub(crate) struct Warning {
    span: Span,
    message: String,
}

/// The findings of one check: errors reported to the `Ctxt`, warnings collected.
pub(crate) struct Findings<'a> {
    cx: &'a Ctxt,
    warnings: Vec<Warning>,
}

impl<'a> Findings<'a> {
    pub(crate) fn new(cx: &'a Ctxt) -> Self {
        Self {
            cx,
            warnings: Vec::new(),
        }
    }

    /// An error that is not a finding of the catalog (a malformed `#[allow_nondeterminism]`).
    pub(crate) fn error(&self, tokens: &dyn ToTokens, message: impl std::fmt::Display) {
        self.cx.error_spanned_by(tokens.to_token_stream(), message);
    }

    /// A warning at `span`.
    pub(crate) fn warn(&mut self, span: Span, message: String) {
        self.warnings.push(Warning { span, message });
    }

    /// Reports a finding spanning `tokens` (errors underline all of them; warnings can only
    /// point at the first token).
    pub(crate) fn report(&mut self, level: Level, tokens: &dyn ToTokens, message: String) {
        match level {
            Level::Error => self.error(tokens, message),
            Level::Warning => {
                let span = tokens
                    .to_token_stream()
                    .into_iter()
                    .next()
                    .map_or_else(Span::call_site, |t| t.span());
                self.warn(span, message);
            }
        }
    }

    /// The warnings, for `emit_warnings`.
    pub(crate) fn into_warnings(self) -> Vec<Warning> {
        self.warnings
    }
}

/// Warnings as real compiler warnings on stable Rust: a use of a deprecated constant whose
/// identifier carries the user's span, so rustc points at the offending call.
pub(crate) fn emit_warnings(warnings: &[Warning]) -> TokenStream {
    let mut out = TokenStream::new();
    for (index, warning) in warnings.iter().enumerate() {
        let name = format_ident!(
            "nondeterministic_in_workflow_code_{}",
            index,
            span = warning.span
        );
        let note = warning.message.replace("\n\n", " ");
        out.extend(quote_spanned! {warning.span=>
            const _: () = {
                #[deprecated(note = #note)]
                #[allow(non_upper_case_globals)]
                const #name: () = ();
                #[allow(clippy::let_unit_value)]
                let _ = #name;
            };
        });
    }
    out
}
