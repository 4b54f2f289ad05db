//! Macro bodies, which syn leaves as raw tokens: format-like macros whose arguments are
//! expressions (checked like code), macros that never evaluate their arguments, and a scan of
//! any other body for `a::b(..)` call shapes.

use proc_macro2::{TokenStream, TokenTree};
use syn::{Expr, Token, parse::Parser, punctuated::Punctuated};

/// Format-like macros whose arguments are expressions, checked like code.
const EXPRESSION_MACROS: &[&str] = &[
    "format",
    "format_args",
    "write",
    "writeln",
    "print",
    "println",
    "eprint",
    "eprintln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "vec",
    "matches",
    "dbg",
    "todo",
    "unimplemented",
    "unreachable",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
    "event",
    "join",
    "try_join",
];

/// Macros that never evaluate their arguments as code.
const UNEVALUATED_MACROS: &[&str] = &[
    "stringify",
    "concat",
    "include_str",
    "include_bytes",
    "include",
    "env",
    "option_env",
    "cfg",
    "line",
    "column",
    "file",
    "module_path",
    "compile_error",
];

/// How the checker reads a macro's body.
pub(crate) enum MacroBody {
    /// Never evaluated (`stringify!`): nothing to check.
    Unevaluated,
    /// Comma-separated expressions (`format!`, `vec!`): checked like code.
    Expressions(Punctuated<Expr, Token![,]>),
    /// Anything else: only scanned for call shapes.
    Tokens,
}

/// How to read the body of `mac`, by the macro's name.
pub(crate) fn body(mac: &syn::Macro) -> MacroBody {
    let name = mac
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    if UNEVALUATED_MACROS.contains(&name.as_str()) {
        return MacroBody::Unevaluated;
    }
    if EXPRESSION_MACROS.contains(&name.as_str())
        && let Ok(args) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone())
    {
        return MacroBody::Expressions(args);
    }
    MacroBody::Tokens
}

/// Every `a::b(` shape in raw macro tokens, nested groups included, in token order: the path
/// segments of each (two or more).
pub(crate) fn call_paths(tokens: TokenStream) -> Vec<Vec<syn::Ident>> {
    let mut found = Vec::new();
    scan(tokens, &mut found);
    found
}

fn scan(tokens: TokenStream, found: &mut Vec<Vec<syn::Ident>>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        if let TokenTree::Group(group) = &trees[i] {
            scan(group.stream(), found);
            i += 1;
            continue;
        }
        let mut segments: Vec<syn::Ident> = Vec::new();
        let mut j = i;
        while let Some(TokenTree::Ident(ident)) = trees.get(j) {
            segments.push(ident.clone());
            let colons = matches!(
                (trees.get(j + 1), trees.get(j + 2)),
                (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':'
            );
            if !colons {
                break;
            }
            j += 3;
        }
        if segments.len() >= 2
            && let Some(TokenTree::Group(args)) = trees.get(j + 1)
            && args.delimiter() == proc_macro2::Delimiter::Parenthesis
        {
            found.push(segments);
        }
        i = j.max(i) + 1;
    }
}
