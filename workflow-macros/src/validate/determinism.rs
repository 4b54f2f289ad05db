//! The compile-time determinism check: walks workflow code with `syn::visit` and reports every
//! call, path, macro or construct of the catalog, at the user's span. Errors and warnings are
//! collected and emitted together.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote_spanned};
use syn::{Attribute, Expr, Token, parse::Parser, punctuated::Punctuated, visit::Visit};

use super::catalog::{
    Category, Construct, GLOBAL_MUTATION, HASH_ITERATION, Kind, Level, RULES, Rule, RuleId,
    STATIC_MUT, message,
};
use crate::{
    ctxt::Ctxt,
    symbol::{ALLOW_NONDETERMINISM, REASON},
};

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
    let mut checker = Checker::new(cx, &scope);
    for method in items {
        let allowed = checker.enter_allow(&method.attrs);
        checker.bind_params(method.sig.inputs.iter());
        checker.visit_block(&method.block);
        if allowed {
            checker.leave_allow();
        }
    }
    checker.warnings
}

/// Checks a free function marked `#[deterministic]`.
pub(crate) fn check_fn(cx: &Ctxt, item: &syn::ItemFn) -> Vec<Warning> {
    let mut scope = Scope::default();
    scope.collect_block(&item.block);
    let mut checker = Checker::new(cx, &scope);
    checker.bind_params(item.sig.inputs.iter());
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

/// An enclosing `#[allow_nondeterminism]`.
struct AllowFrame {
    /// The categories it allows (empty: all).
    categories: Vec<Category>,
    /// Where it is, for the warning when it allows nothing.
    span: Span,
    /// Whether it suppressed a finding.
    used: bool,
}

struct Checker<'a> {
    cx: &'a Ctxt,
    scope: &'a Scope,
    allowed: Vec<AllowFrame>,
    warnings: Vec<Warning>,
    /// Local bindings initialised with a `HashMap`/`HashSet` constructor.
    hash_bindings: BTreeSet<String>,
    /// Bindings whose type is known from an annotation or a constructor call
    /// (`start: Instant`, `let t = Instant::now()`), so their method calls can be checked as
    /// `Type::method`.
    typed_bindings: BTreeMap<String, syn::Path>,
}

/// Methods that change an atomic or a lock: called on a global (`COUNTER.fetch_add(1)`), they
/// share state between workflow runs and replays.
const GLOBAL_MUTATORS: &[&str] = &[
    "fetch_add",
    "fetch_sub",
    "fetch_and",
    "fetch_or",
    "fetch_xor",
    "fetch_nand",
    "fetch_max",
    "fetch_min",
    "fetch_update",
    "store",
    "swap",
    "compare_exchange",
    "compare_exchange_weak",
    "lock",
    "try_lock",
    "write",
    "try_write",
    "borrow_mut",
];

/// A static or global named in SCREAMING_CASE (`COUNTER`, `config::CACHE`).
fn names_global(expr: &Expr) -> bool {
    let Expr::Path(p) = expr else { return false };
    p.path.segments.last().is_some_and(|s| {
        let name = s.ident.to_string();
        name.len() > 1
            && name.chars().any(|c| c.is_ascii_uppercase())
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// Whether a static's type lets it change behind a shared reference.
fn has_interior_mutability(ty: &syn::Type) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
            let name = segment.ident.to_string();
            self.0 |= name.starts_with("Atomic")
                || ["Mutex", "RwLock", "RefCell", "Cell", "UnsafeCell"].contains(&name.as_str());
            syn::visit::visit_path_segment(self, segment);
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

impl<'a> Checker<'a> {
    fn new(cx: &'a Ctxt, scope: &'a Scope) -> Self {
        Self {
            cx,
            scope,
            allowed: Vec::new(),
            warnings: Vec::new(),
            hash_bindings: BTreeSet::new(),
            typed_bindings: BTreeMap::new(),
        }
    }

    /// Records the types of a function's parameters.
    fn bind_params<'p>(&mut self, params: impl Iterator<Item = &'p syn::FnArg>) {
        for param in params {
            if let syn::FnArg::Typed(typed) = param {
                self.bind_typed_pattern(typed);
            }
        }
    }

    fn bind_typed_pattern(&mut self, typed: &syn::PatType) {
        let syn::Pat::Ident(ident) = &*typed.pat else {
            return;
        };
        let name = ident.ident.to_string();
        if type_is_hash(&typed.ty) {
            self.hash_bindings.insert(name.clone());
        }
        let ty = match &*typed.ty {
            syn::Type::Reference(r) => &*r.elem,
            ty => ty,
        };
        match ty {
            syn::Type::Path(p) if p.qself.is_none() => {
                let mut path = p.path.clone();
                if let Some(last) = path.segments.last_mut() {
                    last.arguments = syn::PathArguments::None;
                }
                self.typed_bindings.insert(name, path);
            }
            _ => {
                self.typed_bindings.remove(&name);
            }
        }
    }

    /// Whether an enclosing allow covers `category`; marks the innermost one that does as used.
    fn is_allowed(&mut self, category: Category) -> bool {
        match self
            .allowed
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
    fn leave_allow(&mut self) {
        if let Some(frame) = self.allowed.pop()
            && !frame.used
        {
            self.warnings.push(Warning {
                span: frame.span,
                message: "this #[allow_nondeterminism] allows nothing: no non-deterministic call \
                          is under it; remove it"
                    .to_owned(),
            });
        }
    }

    /// `receiver.method()` where the receiver's type is known: checked as `Type::method`.
    fn check_typed_method(&mut self, method: &syn::ExprMethodCall) {
        let Expr::Path(receiver) = &*method.receiver else {
            return;
        };
        let Some(binding) = receiver.path.get_ident().map(ToString::to_string) else {
            return;
        };
        let Some(ty) = self.typed_bindings.get(&binding) else {
            return;
        };
        let mut path = ty.clone();
        path.segments
            .push(syn::PathSegment::from(method.method.clone()));
        if let Some(rule) = lookup(self.scope, &path, Kind::Path) {
            let spelled = format!("{binding}.{}()", method.method);
            let (receiver, dot, name) = (&method.receiver, &method.dot_token, &method.method);
            self.report_rule(rule, &spelled, &quote::quote!(#receiver #dot #name));
        }
    }

    /// The type a `let` initialiser produces when it is a constructor call (`Instant::now()`,
    /// `HashMap::new()`): the path without its last segment.
    fn constructed_type(init: &Expr) -> Option<syn::Path> {
        let Expr::Call(call) = init else { return None };
        let Expr::Path(func) = &*call.func else {
            return None;
        };
        let constructor = func.path.segments.last()?.ident.to_string();
        if !matches!(
            constructor.as_str(),
            "now" | "new" | "default" | "with_capacity" | "thread_rng" | "rng"
        ) || func.path.segments.len() < 2
        {
            return None;
        }
        let mut ty = func.path.clone();
        ty.segments.pop();
        let last = ty.segments.pop()?.into_value();
        ty.segments.push(syn::PathSegment {
            ident: last.ident,
            arguments: syn::PathArguments::None,
        });
        Some(ty)
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

    /// Reports `construct`, named `what` in the message.
    fn report_construct(&mut self, construct: &Construct, tokens: &dyn ToTokens, what: &str) {
        self.report(
            construct.level,
            construct.category,
            tokens,
            message(what, construct.why, construct.help),
        );
    }

    /// Validates `#[allow_nondeterminism(..)]` among `attrs`; returns true (and pushes the
    /// allowed categories) when one is present.
    fn enter_allow(&mut self, attrs: &[Attribute]) -> bool {
        let Some(attr) = attrs.iter().find(|a| a.path() == ALLOW_NONDETERMINISM) else {
            return false;
        };
        let mut categories = Vec::new();
        let mut reason = None;
        let parsed = attr.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated);
        // Without parentheses there is no reason either; that is reported below.
        if let Ok(metas) = parsed {
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
                            self.cx
                                .error_spanned_by(&nv.value, "`reason` takes a string literal");
                        }
                    }
                    syn::Meta::Path(p) => {
                        let name = p.get_ident().map(|i| i.to_string()).unwrap_or_default();
                        match Category::ALL.into_iter().find(|c| c.name() == name) {
                            Some(category) => categories.push(category),
                            None => self.cx.error_spanned_by(
                                p,
                                format!(
                                    "unknown category `{name}` in #[allow_nondeterminism]; accepted: {}",
                                    Category::ALL.map(Category::name).join(", ")
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
        self.allowed.push(AllowFrame {
            categories,
            span: attr.pound_token.span,
            used: false,
        });
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
        lookup(self.scope, &func.path, Kind::Path).is_some_and(|r| r.id == RuleId::HashMapNew)
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
            let biased = rule.id == RuleId::TokioSelect
                && matches!(mac.tokens.clone().into_iter().next(), Some(TokenTree::Ident(i)) if i == "biased");
            if !biased {
                // Named as the user spelled it (`futures::select!`), not as the catalog does.
                let what = format!(
                    "{}!",
                    mac.path.to_token_stream().to_string().replace(' ', "")
                );
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
                self.check_typed_method(method);
                if GLOBAL_MUTATORS.contains(&method.method.to_string().as_str())
                    && names_global(&method.receiver)
                {
                    let spelled = format!(
                        "{}.{}()",
                        method
                            .receiver
                            .to_token_stream()
                            .to_string()
                            .replace(' ', ""),
                        method.method
                    );
                    let (receiver, dot, name) =
                        (&method.receiver, &method.dot_token, &method.method);
                    self.report_construct(
                        &GLOBAL_MUTATION,
                        &quote::quote!(#receiver #dot #name),
                        &format!("{spelled} ({})", GLOBAL_MUTATION.what),
                    );
                }
                if ITERATION.contains(&method.method.to_string().as_str())
                    && self.names_hash_binding(&method.receiver)
                {
                    self.report_construct(&HASH_ITERATION, method, HASH_ITERATION.what);
                }
                syn::visit::visit_expr(self, expr);
            }
            Expr::ForLoop(for_loop) if self.names_hash_binding(&for_loop.expr) => {
                self.report_construct(&HASH_ITERATION, &for_loop.expr, HASH_ITERATION.what);
                syn::visit::visit_expr(self, expr);
            }
            _ => syn::visit::visit_expr(self, expr),
        }
        if allowed {
            self.leave_allow();
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
                    self.hash_bindings.insert(name.clone());
                } else {
                    self.hash_bindings.remove(&name);
                }
                match local
                    .init
                    .as_ref()
                    .and_then(|i| Self::constructed_type(&i.expr))
                {
                    Some(ty) => {
                        self.typed_bindings.insert(name, ty);
                    }
                    None => {
                        self.typed_bindings.remove(&name);
                    }
                }
            }
            if let syn::Pat::Type(typed) = &local.pat {
                self.bind_typed_pattern(typed);
            }
        }
        syn::visit::visit_stmt(self, stmt);
        if allowed {
            self.leave_allow();
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.check_macro(mac);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        for input in &closure.inputs {
            if let syn::Pat::Type(typed) = input {
                self.bind_typed_pattern(typed);
            }
        }
        syn::visit::visit_expr_closure(self, closure);
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        if !matches!(item.mutability, syn::StaticMutability::Mut(_))
            && has_interior_mutability(&item.ty)
        {
            let (token, ident, ty) = (&item.static_token, &item.ident, &item.ty);
            self.report_construct(
                &GLOBAL_MUTATION,
                &quote::quote!(#token #ident: #ty),
                &format!("static {ident} ({})", GLOBAL_MUTATION.what),
            );
        }
        if matches!(item.mutability, syn::StaticMutability::Mut(_)) {
            let (token, mutability, ident) = (&item.static_token, &item.mutability, &item.ident);
            self.report_construct(
                &STATIC_MUT,
                &quote::quote!(#token #mutability #ident),
                STATIC_MUT.what,
            );
        }
        syn::visit::visit_item_static(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let allowed = self.enter_allow(&item.attrs);
        syn::visit::visit_item_fn(self, item);
        if allowed {
            self.leave_allow();
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
            attrs.retain(|a| a.path() != ALLOW_NONDETERMINISM);
        }
        fn visit_expr_mut(&mut self, expr: &mut Expr) {
            strip_expr_attrs(expr);
            syn::visit_mut::visit_expr_mut(self, expr);
        }
        fn visit_stmt_mut(&mut self, stmt: &mut syn::Stmt) {
            match stmt {
                syn::Stmt::Local(l) => l.attrs.retain(|a| a.path() != ALLOW_NONDETERMINISM),
                syn::Stmt::Macro(m) => m.attrs.retain(|a| a.path() != ALLOW_NONDETERMINISM),
                syn::Stmt::Item(syn::Item::Fn(f)) => {
                    f.attrs.retain(|a| a.path() != ALLOW_NONDETERMINISM)
                }
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
    attrs.retain(|a| a.path() != ALLOW_NONDETERMINISM);
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

    #[test]
    fn methods_of_typed_bindings_are_checked_as_their_type() {
        let (errors, _) = findings(quote::quote! {
            use std::time::Instant;
            #[allow_nondeterminism(reason = "measured for a log line only")]
            let start = Instant::now();
            let spent = start.elapsed();
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("start.elapsed()"), "{errors:?}");
        let item: syn::ItemFn = syn::parse_quote! {
            fn age(created: std::time::SystemTime) -> bool { created.elapsed().is_ok() }
        };
        let cx = Ctxt::new();
        check_fn(&cx, &item);
        assert!(cx.check().is_err(), "a parameter typed SystemTime");
        // A user type that only shares the name is not the clock.
        let (errors, _) = findings(quote::quote! {
            mod clock { pub struct Instant; impl Instant { pub fn now() -> Self { Instant } pub fn elapsed(&self) -> u32 { 0 } } }
            let t = clock::Instant::now();
            let e = t.elapsed();
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
