//! What the checker knows about local bindings: which hold a `HashMap`/`HashSet` (iterating
//! them is reported), and which have a known type, from an annotation or a constructor call,
//! so that their method calls can be checked as `Type::method` (`start.elapsed()` after
//! `let start = Instant::now()`).

use std::collections::{BTreeMap, BTreeSet};

use syn::Expr;

/// The bindings seen so far in the code being checked.
#[derive(Default)]
pub(crate) struct Bindings {
    /// Local bindings initialised with a `HashMap`/`HashSet` constructor.
    hash: BTreeSet<String>,
    /// Bindings whose type is known from an annotation or a constructor call
    /// (`start: Instant`, `let t = Instant::now()`), so their method calls can be checked as
    /// `Type::method`.
    typed: BTreeMap<String, syn::Path>,
}

impl Bindings {
    /// Records the type of a parameter or a typed `let`/closure pattern (`start: Instant`).
    pub(crate) fn bind_typed_pattern(&mut self, typed: &syn::PatType) {
        let syn::Pat::Ident(ident) = &*typed.pat else {
            return;
        };
        let name = ident.ident.to_string();
        if type_is_hash(&typed.ty) {
            self.hash.insert(name.clone());
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
                self.typed.insert(name, path);
            }
            _ => {
                self.typed.remove(&name);
            }
        }
    }

    /// Records a `let`; `hash_constructor` says whether its initialiser builds a `HashMap` or
    /// `HashSet` (the caller knows, through the catalog). A binding shadowed by another `let`
    /// forgets what was known about it.
    pub(crate) fn bind_local(&mut self, local: &syn::Local, hash_constructor: bool) {
        let is_hash =
            hash_constructor || matches!(&local.pat, syn::Pat::Type(t) if type_is_hash(&t.ty));
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
                self.hash.insert(name.clone());
            } else {
                self.hash.remove(&name);
            }
            match local.init.as_ref().and_then(|i| constructed_type(&i.expr)) {
                Some(ty) => {
                    self.typed.insert(name, ty);
                }
                None => {
                    self.typed.remove(&name);
                }
            }
        }
        if let syn::Pat::Type(typed) = &local.pat {
            self.bind_typed_pattern(typed);
        }
    }

    /// The known type of `binding`, without generic arguments.
    pub(crate) fn type_of(&self, binding: &str) -> Option<&syn::Path> {
        self.typed.get(binding)
    }

    /// Whether `expr` names a `HashMap`/`HashSet` binding (`map`, `&map`, `(map)`).
    pub(crate) fn names_hash(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.hash.contains(&i.to_string())),
            Expr::Reference(r) => self.names_hash(&r.expr),
            Expr::Paren(p) => self.names_hash(&p.expr),
            _ => false,
        }
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

/// A `HashMap`/`HashSet` type, unless a third type argument names its hasher.
fn type_is_hash(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            (s.ident == "HashMap" || s.ident == "HashSet")
                && !matches!(&s.arguments, syn::PathArguments::AngleBracketed(a) if a.args.len() == 3)
        }),
        _ => false,
    }
}
