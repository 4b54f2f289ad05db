//! What the checker knows about local bindings: which have a known type, from an annotation
//! or a constructor call, so that their method calls can be checked as `Type::method`
//! (`start.elapsed()` after `let start = Instant::now()`). Iterating a `HashMap`/`HashSet` is
//! checked by type instead (`probe`).

use std::collections::BTreeMap;

use syn::Expr;

/// The bindings seen so far in the code being checked.
#[derive(Default)]
pub(crate) struct Bindings {
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

    /// Records a `let`. A binding shadowed by another `let` forgets what was known about it.
    pub(crate) fn bind_local(&mut self, local: &syn::Local) {
        let name = match &local.pat {
            syn::Pat::Ident(i) => Some(i.ident.to_string()),
            syn::Pat::Type(t) => match &*t.pat {
                syn::Pat::Ident(i) => Some(i.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        if let Some(name) = name {
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
