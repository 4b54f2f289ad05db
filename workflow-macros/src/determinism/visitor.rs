//! The checker: walks workflow code with `syn::visit` and reports every call, path, macro or
//! construct of the catalog at the user's span, unless an enclosing allow covers it.

use quote::ToTokens;
use syn::{Attribute, Expr, visit::Visit};

use super::{
    allow::{self, Allows},
    bindings::Bindings,
    catalog::{
        Category, Construct, GLOBAL_MUTATION, Kind, Level, PARALLEL_ITERATION, POINTER_IDENTITY,
        Rule, RuleId, STATIC_MUT, message,
    },
    emit::{Findings, Warning},
    matcher::{constant_type_of, lookup, path_segments},
    scope::Scope,
    shapes,
    tokens::{self, MacroBody},
};
use crate::ctxt::Ctxt;

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

/// The `WorkflowContext` methods that take a patch id.
const PATCH_METHODS: &[&str] = &["patched", "deprecate_patch"];

/// The path an expression path names with its qualified self spelled out:
/// `<std::time::SystemTime>::now` is `std::time::SystemTime::now`, and
/// `<Instant as Trait>::now` is `Instant::now`.
fn qualified(expr: &syn::ExprPath) -> std::borrow::Cow<'_, syn::Path> {
    let Some(qself) = &expr.qself else {
        return std::borrow::Cow::Borrowed(&expr.path);
    };
    let syn::Type::Path(ty) = &*qself.ty else {
        return std::borrow::Cow::Borrowed(&expr.path);
    };
    let mut path = ty.path.clone();
    path.segments
        .extend(expr.path.segments.iter().skip(qself.position).cloned());
    std::borrow::Cow::Owned(path)
}

/// The tokens of `receiver.method`, without the arguments: where a finding on a method call
/// points.
fn up_to_method(method: &syn::ExprMethodCall) -> proc_macro2::TokenStream {
    let (receiver, dot, name) = (&method.receiver, &method.dot_token, &method.method);
    quote::quote!(#receiver #dot #name)
}

/// Rayon's parallel iterator methods.
const PARALLEL_ITERATORS: &[&str] = &[
    "par_iter",
    "par_iter_mut",
    "into_par_iter",
    "par_bridge",
    "par_drain",
    "par_chunks",
    "par_chunks_mut",
    "par_windows",
    "par_split",
];

/// Pointer methods that give the address as an integer.
const ADDRESS_METHODS: &[&str] = &["addr", "expose_provenance", "expose_addr"];

/// Integer types an address can be cast to.
const ADDRESS_INTEGERS: &[&str] = &["usize", "isize", "u64", "i64", "u128", "i128", "u32", "i32"];

/// Whether `expr` makes a raw pointer: a cast to `*const`/`*mut`, `.as_ptr()`, `addr_of!`,
/// `ptr::from_ref(..)`, `&raw const x`.
fn makes_pointer(expr: &Expr) -> bool {
    const POINTER_FUNCTIONS: &[&str] = &["as_ptr", "as_mut_ptr", "from_ref", "from_mut"];
    const POINTER_METHODS: &[&str] = &["as_ptr", "as_mut_ptr", "cast", "cast_mut", "cast_const"];
    match expr {
        Expr::Paren(inner) => makes_pointer(&inner.expr),
        Expr::Cast(cast) => matches!(&*cast.ty, syn::Type::Ptr(_)),
        Expr::RawAddr(_) => true,
        Expr::MethodCall(call) => POINTER_METHODS.contains(&call.method.to_string().as_str()),
        Expr::Call(call) => matches!(&*call.func, Expr::Path(func) if func
            .path
            .segments
            .last()
            .is_some_and(|s| POINTER_FUNCTIONS.contains(&s.ident.to_string().as_str()))),
        Expr::Macro(mac) => mac
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "addr_of" || s.ident == "addr_of_mut"),
        _ => false,
    }
}

/// Whether `cast` turns an address into an integer (`&x as *const _ as usize`).
fn casts_address(cast: &syn::ExprCast) -> bool {
    let integer = matches!(&*cast.ty, syn::Type::Path(ty) if ty.qself.is_none()
        && ty.path.get_ident().is_some_and(|i| ADDRESS_INTEGERS.contains(&i.to_string().as_str())));
    integer && makes_pointer(&cast.expr)
}

/// Whether a format string formats an argument as an address (`{:p}`, `{name:#p}`).
fn formats_address(format: &str) -> bool {
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(escaped) = rest.strip_prefix('{') {
            rest = escaped;
            continue;
        }
        let Some(close) = rest.find('}') else { break };
        let placeholder = &rest[..close];
        if placeholder
            .split_once(':')
            .is_some_and(|(_, spec)| spec.ends_with('p'))
        {
            return true;
        }
        rest = &rest[close + 1..];
    }
    false
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

/// Walks the functions of one checked item; `scope` holds what the whole item imports and
/// declares.
pub(crate) struct Checker<'a> {
    scope: &'a Scope,
    allows: Allows,
    findings: Findings<'a>,
    bindings: Bindings,
    /// Whether the function being checked takes `self` and no `&HandlerContext` (a sync
    /// handler, a validator, a helper method), where the `ctx.` a help names is not in reach.
    without_context: bool,
}

/// What a help that names `ctx.` adds in a method that takes `self` without a context.
const HANDLER_CONTEXT_HINT: &str =
    "in a sync handler or validator, take `ctx: &HandlerContext` right after `self` to reach it";

impl<'a> Checker<'a> {
    pub(crate) fn new(cx: &'a Ctxt, scope: &'a Scope) -> Self {
        Self {
            scope,
            allows: Allows::default(),
            findings: Findings::new(cx),
            bindings: Bindings::default(),
            without_context: false,
        }
    }

    /// Checks one function: `attrs` may hold an allow that covers all of it, the parameters'
    /// types are recorded, then the body is walked.
    pub(crate) fn check_function<'p>(
        &mut self,
        attrs: &[Attribute],
        params: impl Iterator<Item = &'p syn::FnArg>,
        body: &syn::Block,
    ) {
        let allowed = self.enter_allow(attrs);
        let (mut has_self, mut has_context) = (false, false);
        for param in params {
            match param {
                syn::FnArg::Typed(typed) => {
                    has_context |= crate::parse::is_handler_context(&typed.ty);
                    self.bindings.bind_typed_pattern(typed);
                }
                syn::FnArg::Receiver(_) => has_self = true,
            }
        }
        self.without_context = has_self && !has_context;
        self.visit_block(body);
        self.without_context = false;
        if allowed {
            self.leave_allow();
        }
    }

    /// The warnings found; the errors are already in the `Ctxt`.
    pub(crate) fn into_warnings(self) -> Vec<Warning> {
        self.findings.into_warnings()
    }

    fn enter_allow(&mut self, attrs: &[Attribute]) -> bool {
        self.allows.enter(&self.findings, attrs)
    }

    fn leave_allow(&mut self) {
        self.allows.leave(&mut self.findings);
    }

    /// Reports a finding spanning `tokens`, unless an enclosing allow covers its category.
    fn report(&mut self, level: Level, category: Category, tokens: &dyn ToTokens, text: String) {
        if self.allows.covers(category) {
            return;
        }
        let text = if self.without_context && text.contains("`ctx.") {
            format!("{text}; {HANDLER_CONTEXT_HINT}")
        } else {
            text
        };
        self.findings.report(level, tokens, text);
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

    /// `receiver.method()` where the receiver's type is known (a typed binding, or a constant
    /// of the catalog such as `UNIX_EPOCH`): checked as `Type::method`.
    fn check_typed_method(&mut self, method: &syn::ExprMethodCall) {
        let Expr::Path(receiver) = &*method.receiver else {
            return;
        };
        let binding = path_segments(&receiver.path).join("::");
        let constant_type;
        let ty = match self.bindings.type_of(&binding) {
            Some(ty) => ty,
            None => match constant_type_of(self.scope, &receiver.path) {
                Some(ty) => {
                    constant_type = ty;
                    &constant_type
                }
                None => return,
            },
        };
        let mut path = ty.clone();
        path.segments
            .push(syn::PathSegment::from(method.method.clone()));
        if let Some(rule) = lookup(self.scope, &path, Kind::Path) {
            // Every `.elapsed()` goes through the clock probe, which knows the real type.
            if rule.id == RuleId::Elapsed {
                return;
            }
            let spelled = format!("{binding}.{}()", method.method);
            self.report_rule(rule, &spelled, &up_to_method(method));
        }
    }

    /// `ctx.patched(id)` / `ctx.deprecate_patch(id)`: the id must be the same on every replay
    /// of the run, so it is a string literal or a constant, never computed.
    fn check_patch_id(&mut self, method: &syn::ExprMethodCall) {
        let name = method.method.to_string();
        if !PATCH_METHODS.contains(&name.as_str()) {
            return;
        }
        let Expr::Path(receiver) = &*method.receiver else {
            return;
        };
        let receiver_type = self
            .bindings
            .type_of(&path_segments(&receiver.path).join("::"))
            .and_then(|ty| ty.segments.last());
        if receiver_type.is_none_or(|segment| segment.ident != "WorkflowContext") {
            return;
        }
        let [id] = method.args.iter().collect::<Vec<_>>()[..] else {
            return;
        };
        let fixed = match id {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(_),
                ..
            }) => true,
            Expr::Path(path) => path.path.segments.last().is_some_and(|segment| {
                let text = segment.ident.to_string();
                text.chars().any(|c| c.is_ascii_uppercase())
                    && !text.chars().any(|c| c.is_ascii_lowercase())
            }),
            _ => false,
        };
        if !fixed {
            self.findings.report(
                Level::Error,
                id,
                format!(
                    "the id passed to `ctx.{name}(..)` must be a string literal or a constant: \
                     a run asks for the same id on every replay, and the marker in its history \
                     is found by that id; write `ctx.{name}(\"my-change\")`"
                ),
            );
        }
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

    fn check_macro(&mut self, mac: &syn::Macro) {
        if let Some(rule) = lookup(self.scope, &mac.path, Kind::Macro) {
            let biased = rule.id == RuleId::TokioSelect
                && matches!(mac.tokens.clone().into_iter().next(), Some(proc_macro2::TokenTree::Ident(i)) if i == "biased");
            if !biased {
                // Named as the user spelled it (`futures::select!`), not as the catalog does.
                let what = format!(
                    "{}!",
                    mac.path.to_token_stream().to_string().replace(' ', "")
                );
                let (path, bang) = (&mac.path, &mac.bang_token);
                self.report_rule(rule, &what, &quote::quote!(#path #bang));
            }
        }
        match tokens::body(mac) {
            MacroBody::Unevaluated => {}
            MacroBody::Expressions(args) => {
                for arg in &args {
                    if let Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(format),
                        ..
                    }) = arg
                        && formats_address(&format.value())
                    {
                        self.report_construct(
                            &POINTER_IDENTITY,
                            format,
                            "`{:p}` (an address used as data)",
                        );
                    }
                    self.visit_expr(arg);
                }
            }
            MacroBody::Tokens => self.check_macro_tokens(mac),
        }
    }

    /// Unknown macro arguments are raw tokens: `a::b(` shapes that match a rule are reported
    /// as warnings (the tokens may not be Rust expressions at all).
    fn check_macro_tokens(&mut self, mac: &syn::Macro) {
        for segments in tokens::call_paths(mac.tokens.clone()) {
            // Built, not parsed: a keyword in the tokens (`as::x(..)`) is no path segment and
            // would make parsing fail.
            let path = syn::Path {
                leading_colon: None,
                segments: segments
                    .iter()
                    .cloned()
                    .map(syn::PathSegment::from)
                    .collect(),
            };
            if let Some(rule) = lookup(self.scope, &path, Kind::Path)
                && !self.allows.covers(rule.category)
            {
                let spelled = segments
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("::");
                self.findings.warn(
                    segments[0].span(),
                    message(
                        &format!("{spelled}() (inside macro arguments)"),
                        rule.why,
                        rule.help,
                    ),
                );
            }
        }
    }
}

impl<'ast> Visit<'ast> for Checker<'_> {
    fn visit_expr(&mut self, expr: &'ast Expr) {
        let allowed = self.enter_allow(allow::expr_attrs(expr));
        match expr {
            Expr::Call(call) => {
                let reported = match &*call.func {
                    Expr::Path(func) => self.check_path(&qualified(func), call, true),
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
                self.check_path(&qualified(path), path, false);
            }
            Expr::MethodCall(method) => {
                self.check_typed_method(method);
                self.check_patch_id(method);
                let name = method.method.to_string();
                if GLOBAL_MUTATORS.contains(&name.as_str())
                    && shapes::names_global(&method.receiver)
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
                    self.report_construct(
                        &GLOBAL_MUTATION,
                        &up_to_method(method),
                        &format!("{spelled} ({})", GLOBAL_MUTATION.what),
                    );
                }
                if ADDRESS_METHODS.contains(&name.as_str()) && makes_pointer(&method.receiver) {
                    self.report_construct(
                        &POINTER_IDENTITY,
                        &up_to_method(method),
                        &format!(
                            "`.{}()` on a pointer (an address used as data)",
                            method.method
                        ),
                    );
                }
                if PARALLEL_ITERATORS.contains(&name.as_str()) {
                    self.report_construct(
                        &PARALLEL_ITERATION,
                        &up_to_method(method),
                        &format!(".{}() ({})", method.method, PARALLEL_ITERATION.what),
                    );
                }
                if shapes::reads_global(method) {
                    // Checked by type (`probe`), like iteration.
                    self.allows.covers(Category::GlobalState);
                }
                if shapes::is_iterating(method) {
                    // Iteration is checked by type (`probe`): an allow for ordering around it
                    // may be what keeps a hash iteration compiling, so it counts as used.
                    self.allows.covers(Category::Ordering);
                }
                syn::visit::visit_expr(self, expr);
            }
            Expr::ForLoop(_) => {
                self.allows.covers(Category::Ordering);
                syn::visit::visit_expr(self, expr);
            }
            Expr::Cast(cast) if casts_address(cast) => {
                let what = format!(
                    "casting a pointer to `{}` (an address used as data)",
                    cast.ty.to_token_stream()
                );
                self.report_construct(&POINTER_IDENTITY, cast, &what);
                syn::visit::visit_expr(self, expr);
            }
            _ => syn::visit::visit_expr(self, expr),
        }
        if allowed {
            self.leave_allow();
        }
    }

    fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
        let allowed = self.enter_allow(allow::stmt_attrs(stmt));
        if let syn::Stmt::Local(local) = stmt {
            self.bindings.bind_local(local);
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
                self.bindings.bind_typed_pattern(typed);
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
