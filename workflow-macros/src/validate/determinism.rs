//! The compile-time determinism check: walks workflow code with `syn::visit` and reports every
//! call, path, macro or construct of the catalog, at the user's span. Errors and warnings are
//! collected and emitted together.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote_spanned};
use syn::{Attribute, Expr, Token, parse::Parser, punctuated::Punctuated, visit::Visit};

use super::catalog::{Category, HASH_ITERATION, Kind, Level, RULES, Rule, STATIC_MUT, message};
use crate::ctxt::Ctxt;

/// The opt-out attribute.
pub(crate) const ALLOW: &str = "allow_nondeterminism";

/// One finding that is not an error.
pub(crate) struct Warning {
    span: Span,
    message: String,
}

/// Checks the bodies of `fns` (every method of a workflow impl, or a `#[deterministic]` item)
/// and reports errors to `cx`; returns the warnings to emit.
pub(crate) fn check<'a>(
    cx: &Ctxt,
    items: impl IntoIterator<Item = &'a syn::ImplItemFn> + Clone,
) -> Vec<Warning> {
    let mut scope = Scope::default();
    for method in items.clone() {
        scope.collect_block(&method.block);
    }
    let mut checker = Checker {
        cx,
        scope: &scope,
        allowed: Vec::new(),
        warnings: Vec::new(),
        hash_bindings: BTreeSet::new(),
    };
    for method in items {
        if checker.enter_allow(&method.attrs) {
            checker.visit_block(&method.block);
            checker.allowed.pop();
        } else {
            checker.visit_block(&method.block);
        }
    }
    checker.warnings
}

/// Checks a free function marked `#[deterministic]`.
pub(crate) fn check_fn(cx: &Ctxt, item: &syn::ItemFn) -> Vec<Warning> {
    let mut scope = Scope::default();
    scope.collect_block(&item.block);
    let mut checker = Checker {
        cx,
        scope: &scope,
        allowed: Vec::new(),
        warnings: Vec::new(),
        hash_bindings: BTreeSet::new(),
    };
    checker.visit_block(&item.block);
    checker.warnings
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

/// Names the item brings into scope: `use` aliases (alias -> full path) and locally declared
/// items that shadow library names.
#[derive(Default)]
struct Scope {
    aliases: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
    local_items: BTreeSet<String>,
}

impl Scope {
    fn collect_block(&mut self, block: &syn::Block) {
        struct Collector<'s>(&'s mut Scope);
        impl<'ast> Visit<'ast> for Collector<'_> {
            fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
                self.0.collect_use(&item.tree, Vec::new());
            }
            fn visit_item(&mut self, item: &'ast syn::Item) {
                let ident = match item {
                    syn::Item::Struct(i) => Some(&i.ident),
                    syn::Item::Enum(i) => Some(&i.ident),
                    syn::Item::Mod(i) => Some(&i.ident),
                    syn::Item::Fn(i) => Some(&i.sig.ident),
                    syn::Item::Type(i) => Some(&i.ident),
                    syn::Item::Trait(i) => Some(&i.ident),
                    syn::Item::Union(i) => Some(&i.ident),
                    _ => None,
                };
                if let Some(ident) = ident {
                    self.0.local_items.insert(ident.to_string());
                }
                syn::visit::visit_item(self, item);
            }
        }
        Collector(self).visit_block(block);
    }

    fn collect_use(&mut self, tree: &syn::UseTree, mut prefix: Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.collect_use(&p.tree, prefix);
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.aliases.insert(last, prefix);
                    }
                } else {
                    prefix.push(name.clone());
                    self.aliases.insert(name, prefix);
                }
            }
            syn::UseTree::Rename(r) => {
                if r.ident != "self" {
                    prefix.push(r.ident.to_string());
                }
                self.aliases.insert(r.rename.to_string(), prefix);
            }
            syn::UseTree::Glob(_) => self.globs.push(prefix),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.collect_use(tree, prefix.clone());
                }
            }
        }
    }

    /// The full path of `segments` as far as the item shows it, and whether it was resolved
    /// through a visible `use` (then only full paths count, not suffixes). `None` for paths
    /// that are certainly the user's own.
    fn resolve(&self, segments: &[String]) -> Option<(Vec<String>, bool)> {
        let first = segments.first()?;
        if matches!(first.as_str(), "crate" | "super" | "self" | "Self")
            || self.local_items.contains(first)
        {
            return None;
        }
        let mut full: Vec<String> = match self.aliases.get(first) {
            Some(target) => target.iter().chain(&segments[1..]).cloned().collect(),
            None => segments.to_vec(),
        };
        if matches!(
            full.first().map(String::as_str),
            Some("crate" | "super" | "self")
        ) {
            return None;
        }
        if let Some(root) = full.first_mut()
            && (root == "core" || root == "alloc")
        {
            *root = "std".to_owned();
        }
        Some((full, self.aliases.contains_key(first)))
    }
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Whether the `::`-joined path `joined` is `pattern`, or lies below a `prefix::*` pattern.
fn matches_path(pattern: &str, joined: &str) -> bool {
    match pattern.strip_suffix("::*") {
        Some(prefix) => joined.starts_with(prefix) && joined[prefix.len()..].starts_with("::"),
        None => joined == pattern,
    }
}

fn matches_suffix(suffix: &str, segments: &[String]) -> bool {
    let parts = suffix.split("::").count();
    segments.len() >= parts
        && suffix
            .rsplit("::")
            .zip(segments.iter().rev())
            .all(|(a, b)| a == b)
}

/// Last segments that some rule names, and the roots of `prefix::*` rules: a path matching
/// neither cannot match any rule, which spares the full scan for the many local names.
fn may_match(segments: &[String], full: &[String]) -> bool {
    static INDEX: std::sync::OnceLock<(BTreeSet<&'static str>, BTreeSet<&'static str>)> =
        std::sync::OnceLock::new();
    let (last_names, wildcard_roots) = INDEX.get_or_init(|| {
        let mut last_names = BTreeSet::new();
        let mut wildcard_roots = BTreeSet::new();
        for rule in RULES {
            for pattern in rule.paths.iter().chain(rule.suffixes) {
                match pattern.strip_suffix("::*") {
                    Some(prefix) => {
                        wildcard_roots.insert(prefix.split("::").next().unwrap_or(prefix));
                    }
                    None => {
                        last_names.insert(pattern.rsplit("::").next().unwrap_or(pattern));
                    }
                }
            }
        }
        (last_names, wildcard_roots)
    });
    let last = segments.last().map(String::as_str).unwrap_or_default();
    last_names.contains(last)
        || full
            .first()
            .is_some_and(|root| wildcard_roots.contains(root.as_str()))
}

/// The rule a path or macro path matches, if any.
fn lookup(scope: &Scope, path: &syn::Path, kind: Kind) -> Option<&'static Rule> {
    let segments = path_segments(path);
    let (full, via_alias) = scope.resolve(&segments)?;
    if scope.globs.is_empty() && !may_match(&segments, &full) {
        return None;
    }
    let joined = full.join("::");
    let globbed: Vec<String> = scope
        .globs
        .iter()
        .map(|glob| {
            glob.iter()
                .chain(&segments)
                .cloned()
                .collect::<Vec<_>>()
                .join("::")
        })
        .collect();
    RULES.iter().filter(|r| r.kind == kind).find(|rule| {
        rule.paths
            .iter()
            .any(|p| matches_path(p, &joined) || globbed.iter().any(|g| matches_path(p, g)))
            || (!via_alias && rule.suffixes.iter().any(|s| matches_suffix(s, &segments)))
    })
}

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

struct Checker<'a> {
    cx: &'a Ctxt,
    scope: &'a Scope,
    /// The categories allowed by enclosing `#[allow_nondeterminism]` (empty list: all).
    allowed: Vec<Vec<Category>>,
    warnings: Vec<Warning>,
    /// Local bindings initialised with a `HashMap`/`HashSet` constructor.
    hash_bindings: BTreeSet<String>,
}

impl Checker<'_> {
    fn is_allowed(&self, category: Category) -> bool {
        self.allowed
            .iter()
            .any(|c| c.is_empty() || c.contains(&category))
    }

    /// Reports a finding spanning `tokens` (errors underline all of them; warnings can only
    /// point at the first token).
    fn report(&mut self, level: Level, category: Category, tokens: &dyn ToTokens, text: String) {
        if self.is_allowed(category) {
            return;
        }
        match level {
            Level::Error => self.cx.error_spanned_by(tokens.to_token_stream(), text),
            Level::Warning => {
                let span = tokens
                    .to_token_stream()
                    .into_iter()
                    .next()
                    .map_or_else(Span::call_site, |t| t.span());
                self.warnings.push(Warning {
                    span,
                    message: text,
                });
            }
        }
    }

    /// Reports `rule`, naming the finding as the user spelled it (`std::fs::read_to_string()`).
    fn report_rule(&mut self, rule: &Rule, spelled: &str, tokens: &dyn ToTokens) {
        self.report(
            rule.level,
            rule.category,
            tokens,
            message(spelled, rule.why, rule.help),
        );
    }

    /// Validates `#[allow_nondeterminism(..)]` among `attrs`; returns true (and pushes the
    /// allowed categories) when one is present.
    fn enter_allow(&mut self, attrs: &[Attribute]) -> bool {
        let Some(attr) = attrs.iter().find(|a| a.path().is_ident(ALLOW)) else {
            return false;
        };
        let mut categories = Vec::new();
        let mut reason = None;
        let parsed = attr.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated);
        // Without parentheses there is no reason either; that is reported below.
        if let Ok(metas) = parsed {
            for meta in metas {
                match &meta {
                    syn::Meta::NameValue(nv) if nv.path.is_ident("reason") => {
                        if let Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) = &nv.value
                        {
                            reason = Some(s.value());
                        } else {
                            self.cx
                                .error_spanned_by(&nv.value, "`reason` takes a string literal");
                        }
                    }
                    syn::Meta::Path(p) => {
                        let name = p.get_ident().map(|i| i.to_string()).unwrap_or_default();
                        match Category::ALL.iter().find(|(n, _)| *n == name) {
                            Some((_, category)) => categories.push(*category),
                            None => self.cx.error_spanned_by(
                                p,
                                format!(
                                    "unknown category `{name}` in #[allow_nondeterminism]; accepted: {}",
                                    Category::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                                ),
                            ),
                        }
                    }
                    other => self.cx.error_spanned_by(
                        other,
                        "expected a category (time, random, ...) or reason = \"...\"",
                    ),
                }
            }
        }
        if reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            self.cx.error_spanned_by(
                attr,
                "#[allow_nondeterminism] requires a reason: #[allow_nondeterminism(reason = \"why this cannot break replay\")]",
            );
        }
        self.allowed.push(categories);
        true
    }

    fn check_path(&mut self, path: &syn::Path, tokens: &dyn ToTokens, call: bool) -> bool {
        match lookup(self.scope, path, Kind::Path) {
            Some(rule) => {
                let spelled = format!(
                    "{}{}",
                    path_segments(path).join("::"),
                    if call { "()" } else { "" }
                );
                self.report_rule(rule, &spelled, tokens);
                true
            }
            None => false,
        }
    }

    fn is_hash_constructor(&self, expr: &Expr) -> bool {
        let Expr::Call(call) = expr else { return false };
        let Expr::Path(func) = &*call.func else {
            return false;
        };
        lookup(self.scope, &func.path, Kind::Path).is_some_and(|r| r.what == "HashMap::new()")
    }

    fn names_hash_binding(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.hash_bindings.contains(&i.to_string())),
            Expr::Reference(r) => self.names_hash_binding(&r.expr),
            Expr::Paren(p) => self.names_hash_binding(&p.expr),
            _ => false,
        }
    }

    fn check_macro(&mut self, mac: &syn::Macro) {
        if let Some(rule) = lookup(self.scope, &mac.path, Kind::Macro) {
            let biased = rule.what == "tokio::select!"
                && matches!(mac.tokens.clone().into_iter().next(), Some(TokenTree::Ident(i)) if i == "biased");
            if !biased {
                let what = format!(
                    "{}!",
                    mac.path.to_token_stream().to_string().replace(' ', "")
                );
                let what = if rule.what.ends_with('!') {
                    what
                } else {
                    rule.what.to_owned()
                };
                let path = &mac.path;
                let bang = &mac.bang_token;
                self.report(
                    rule.level,
                    rule.category,
                    &quote::quote!(#path #bang),
                    message(&what, rule.why, rule.help),
                );
            }
        }
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if UNEVALUATED_MACROS.contains(&name.as_str()) {
            return;
        }
        if EXPRESSION_MACROS.contains(&name.as_str())
            && let Ok(args) =
                Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone())
        {
            for arg in &args {
                self.visit_expr(arg);
            }
            return;
        }
        self.scan_tokens(mac.tokens.clone());
    }

    /// Unknown macro arguments are raw tokens: look for `a::b(` shapes and report matches as
    /// warnings (the tokens may not be Rust expressions at all).
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            if let TokenTree::Group(group) = &trees[i] {
                self.scan_tokens(group.stream());
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
                let path: syn::Path = syn::parse_quote!(#(#segments)::*);
                if let Some(rule) = lookup(self.scope, &path, Kind::Path)
                    && !self.is_allowed(rule.category)
                {
                    let span = segments[0].span();
                    let spelled = segments
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("::");
                    self.warnings.push(Warning {
                        span,
                        message: message(
                            &format!("{spelled}() (inside macro arguments)"),
                            rule.why,
                            rule.help,
                        ),
                    });
                }
            }
            i = j.max(i) + 1;
        }
    }
}

impl<'ast> Visit<'ast> for Checker<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let attrs: &[Attribute] = match expr {
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
        };
        let allowed = self.enter_allow(attrs);
        match expr {
            Expr::Call(call) => {
                let reported = match &*call.func {
                    Expr::Path(func) => self.check_path(&func.path, call, true),
                    _ => false,
                };
                if reported {
                    // The call is reported whole; its arguments may hold more findings.
                    for arg in &call.args {
                        self.visit_expr(arg);
                    }
                } else {
                    syn::visit::visit_expr(self, expr);
                }
            }
            Expr::Path(path) => {
                self.check_path(&path.path, path, false);
            }
            Expr::MethodCall(method) => {
                const ITERATION: &[&str] = &[
                    "iter",
                    "iter_mut",
                    "keys",
                    "values",
                    "values_mut",
                    "into_iter",
                    "into_keys",
                    "into_values",
                    "drain",
                    "retain",
                    "for_each",
                ];
                if ITERATION.contains(&method.method.to_string().as_str())
                    && self.names_hash_binding(&method.receiver)
                {
                    let (what, why, help) = HASH_ITERATION;
                    self.report(
                        Level::Error,
                        Category::Ordering,
                        method,
                        message(what, why, help),
                    );
                }
                syn::visit::visit_expr(self, expr);
            }
            Expr::ForLoop(for_loop) if self.names_hash_binding(&for_loop.expr) => {
                let (what, why, help) = HASH_ITERATION;
                self.report(
                    Level::Error,
                    Category::Ordering,
                    &for_loop.expr,
                    message(what, why, help),
                );
                syn::visit::visit_expr(self, expr);
            }
            _ => syn::visit::visit_expr(self, expr),
        }
        if allowed {
            self.allowed.pop();
        }
    }

    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        let attrs: &[Attribute] = match stmt {
            syn::Stmt::Local(local) => &local.attrs,
            syn::Stmt::Macro(mac) => &mac.attrs,
            _ => &[],
        };
        let allowed = self.enter_allow(attrs);
        if let syn::Stmt::Local(local) = stmt {
            let is_hash = local
                .init
                .as_ref()
                .is_some_and(|init| self.is_hash_constructor(&init.expr))
                || matches!(&local.pat, syn::Pat::Type(t) if type_is_hash(&t.ty));
            let name = match &local.pat {
                syn::Pat::Ident(i) => Some(i.ident.to_string()),
                syn::Pat::Type(t) => match &*t.pat {
                    syn::Pat::Ident(i) => Some(i.ident.to_string()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(name) = name {
                if is_hash {
                    self.hash_bindings.insert(name);
                } else {
                    self.hash_bindings.remove(&name);
                }
            }
        }
        syn::visit::visit_stmt(self, stmt);
        if allowed {
            self.allowed.pop();
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.check_macro(mac);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        if matches!(item.mutability, syn::StaticMutability::Mut(_)) {
            let (what, why, help) = STATIC_MUT;
            let (token, mutability, ident) = (&item.static_token, &item.mutability, &item.ident);
            self.report(
                Level::Error,
                Category::GlobalState,
                &quote::quote!(#token #mutability #ident),
                message(what, why, help),
            );
        }
        syn::visit::visit_item_static(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let allowed = self.enter_allow(&item.attrs);
        syn::visit::visit_item_fn(self, item);
        if allowed {
            self.allowed.pop();
        }
    }
}

fn type_is_hash(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            (s.ident == "HashMap" || s.ident == "HashSet")
                && !matches!(&s.arguments, syn::PathArguments::AngleBracketed(a) if a.args.len() == 3)
        }),
        _ => false,
    }
}

/// Removes `#[allow_nondeterminism]` attributes (rustc does not know them, and on expressions
/// they would need an unstable feature).
pub(crate) fn strip_allows(block: &mut syn::Block) {
    struct Stripper;
    impl syn::visit_mut::VisitMut for Stripper {
        fn visit_attributes_mut(&mut self, attrs: &mut Vec<Attribute>) {
            attrs.retain(|a| !a.path().is_ident(ALLOW));
        }
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            strip_expr_attrs(expr);
            syn::visit_mut::visit_expr_mut(self, expr);
        }
        fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
            match stmt {
                syn::Stmt::Local(l) => l.attrs.retain(|a| !a.path().is_ident(ALLOW)),
                syn::Stmt::Macro(m) => m.attrs.retain(|a| !a.path().is_ident(ALLOW)),
                syn::Stmt::Item(syn::Item::Fn(f)) => f.attrs.retain(|a| !a.path().is_ident(ALLOW)),
                _ => {}
            }
            syn::visit_mut::visit_stmt_mut(self, stmt);
        }
    }
    syn::visit_mut::VisitMut::visit_block_mut(&mut Stripper, block);
}

fn strip_expr_attrs(expr: &mut Expr) {
    let attrs = match expr {
        Expr::Call(e) => &mut e.attrs,
        Expr::MethodCall(e) => &mut e.attrs,
        Expr::Path(e) => &mut e.attrs,
        Expr::Block(e) => &mut e.attrs,
        Expr::Closure(e) => &mut e.attrs,
        Expr::Async(e) => &mut e.attrs,
        Expr::Macro(e) => &mut e.attrs,
        Expr::Tuple(e) => &mut e.attrs,
        Expr::Unsafe(e) => &mut e.attrs,
        Expr::ForLoop(e) => &mut e.attrs,
        _ => return,
    };
    attrs.retain(|a| !a.path().is_ident(ALLOW));
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
