//! Which names a checked item brings into scope: `use` aliases and globs written inside it or
//! at the top of its source file, and the items either declares. Resolving a path against them
//! tells a library call (`Clock::now()` after `use std::time::SystemTime as Clock`, a bare
//! `random()` after `use rand::random` at the top of the file) from the user's own function.

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::Visit;

/// Names the item brings into scope: `use` aliases (alias -> full path) and locally declared
/// items that shadow library names.
#[derive(Default, Clone)]
pub(crate) struct Scope {
    aliases: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
    local_items: BTreeSet<String>,
    /// Items of the module that holds the checked item (`mod clock`, `struct Instant`): a path
    /// through one of them is the user's own, unless it spells a catalog path in full (a
    /// module named like a crate reads like that crate).
    module_items: BTreeSet<String>,
}

impl Scope {
    /// Adds the `use` declarations and type aliases of the module that holds `item` (an impl's
    /// type or a function's name) in the source file the macro was called in, read through
    /// `proc_macro::Span::local_file`. A module sees only its own `use` items, so a workflow in
    /// `mod inner { .. }` is resolved against `inner`'s. When the name is not found, the top
    /// level of the file is used.
    pub(crate) fn collect_file(&mut self, item: &str) {
        if let Some(file) = macro_source_file_scope() {
            let module = file.item_modules.get(item).copied().unwrap_or(0);
            if let Some(scope) = file.modules.get(module) {
                self.aliases.extend(scope.aliases.clone());
                self.globs.extend(scope.globs.iter().cloned());
                self.module_items.extend(scope.module_items.iter().cloned());
            }
        }
    }

    /// The `use` items, type aliases and item names at the top of a module's items.
    pub(crate) fn of_module(items: &[syn::Item]) -> Self {
        let mut scope = Self::default();
        for item in items {
            match item {
                syn::Item::Use(item) => scope.collect_use(&item.tree, Vec::new()),
                syn::Item::Type(alias) => {
                    scope.collect_type_alias(alias);
                }
                item => {
                    if let Some(ident) = item_ident(item) {
                        scope.module_items.insert(ident.to_string());
                    }
                }
            }
        }
        scope
    }

    /// Adds the `use` declarations and item names found anywhere in `block`.
    pub(crate) fn collect_block(&mut self, block: &syn::Block) {
        struct Collector<'s>(&'s mut Scope);
        impl<'ast> Visit<'ast> for Collector<'_> {
            fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
                self.0.collect_use(&item.tree, Vec::new());
            }
            fn visit_item(&mut self, item: &'ast syn::Item) {
                if let syn::Item::Type(alias) = item
                    && self.0.collect_type_alias(alias)
                {
                    return;
                }
                if let Some(ident) = item_ident(item) {
                    self.0.local_items.insert(ident.to_string());
                }
                syn::visit::visit_item(self, item);
            }
        }
        Collector(self).visit_block(block);
    }

    /// Records `type Clock = std::time::Instant;` as an alias of the path; returns whether the
    /// alias names a plain path (other aliases declare a local name like any item).
    fn collect_type_alias(&mut self, alias: &syn::ItemType) -> bool {
        let syn::Type::Path(target) = &*alias.ty else {
            return false;
        };
        if target.qself.is_some() || !alias.generics.params.is_empty() {
            return false;
        }
        let path = target
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        self.aliases.insert(alias.ident.to_string(), path);
        true
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

    /// The prefixes of the item's glob imports (`std::env` for `use std::env::*`).
    pub(crate) fn globs(&self) -> &[Vec<String>] {
        &self.globs
    }

    /// The full path of `segments` as far as the item shows it, and whether it was resolved
    /// through a visible `use` or starts at an item of the module (then only full paths count,
    /// not suffixes). `None` for paths that are certainly the user's own.
    pub(crate) fn resolve(&self, segments: &[String]) -> Option<(Vec<String>, bool)> {
        let first = segments.first()?;
        if matches!(first.as_str(), "crate" | "super" | "self" | "Self")
            || self.local_items.contains(first)
        {
            return None;
        }
        let mut full = segments.to_vec();
        // An alias may name another (`type Clock = Instant;` after `use std::time::Instant`);
        // a few steps cover real code and stop a cycle.
        for _ in 0..4 {
            match full.first().and_then(|first| self.aliases.get(first)) {
                Some(target) if target.first() != full.first() || target.len() > 1 => {
                    full = target.iter().chain(&full[1..]).cloned().collect();
                }
                _ => break,
            }
        }
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
        Some((
            full,
            self.aliases.contains_key(first) || self.module_items.contains(first),
        ))
    }
}

/// The name an item declares, for the kinds that can shadow a library name.
fn item_ident(item: &syn::Item) -> Option<&syn::Ident> {
    match item {
        syn::Item::Struct(i) => Some(&i.ident),
        syn::Item::Enum(i) => Some(&i.ident),
        syn::Item::Mod(i) => Some(&i.ident),
        syn::Item::Fn(i) => Some(&i.sig.ident),
        syn::Item::Type(i) => Some(&i.ident),
        syn::Item::Trait(i) => Some(&i.ident),
        syn::Item::Union(i) => Some(&i.ident),
        _ => None,
    }
}

/// What a source file brings into scope, module by module: the `use` items and type aliases
/// of each inline module (index 0 is the file's top level), and which module holds each impl,
/// function and module, by name. A path through one of the module's own items is matched
/// against the catalog's full paths only: a module named like a crate reads like that crate.
#[derive(Default)]
struct FileScope {
    modules: Vec<Scope>,
    item_modules: std::collections::HashMap<String, usize>,
}

impl FileScope {
    fn of_file(file: &syn::File) -> Self {
        let mut scope = Self::default();
        scope.collect_module(&file.items);
        scope
    }

    fn collect_module(&mut self, items: &[syn::Item]) {
        let module = self.modules.len();
        self.modules.push(Scope::of_module(items));
        for item in items {
            let name = match item {
                syn::Item::Impl(item) => match &*item.self_ty {
                    syn::Type::Path(ty) => ty.path.segments.last().map(|s| &s.ident),
                    _ => None,
                },
                syn::Item::Fn(item) => Some(&item.sig.ident),
                syn::Item::Mod(item) => Some(&item.ident),
                _ => None,
            };
            if let Some(name) = name {
                self.item_modules.entry(name.to_string()).or_insert(module);
            }
            if let syn::Item::Mod(syn::ItemMod {
                content: Some((_, items)),
                ..
            }) = item
            {
                self.collect_module(items);
            }
        }
    }
}

/// The names the current macro call's source file brings into scope, when the file is on disk
/// (not in unit tests, nor for code generated elsewhere). Each file is read and parsed once per
/// compiler process; only the names are kept, since tokens cannot outlive the macro call that
/// made them.
fn macro_source_file_scope() -> Option<std::rc::Rc<FileScope>> {
    use std::{cell::RefCell, collections::HashMap, path::PathBuf, rc::Rc};
    thread_local! {
        static SCOPES: RefCell<HashMap<PathBuf, Option<Rc<FileScope>>>> = RefCell::default();
    }
    if !proc_macro::is_available() {
        return None;
    }
    let path = proc_macro::Span::call_site().local_file()?;
    SCOPES.with(|scopes| {
        scopes
            .borrow_mut()
            .entry(path.clone())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(&path).ok()?;
                let file = syn::parse_file(&text).ok()?;
                Some(Rc::new(FileScope::of_file(&file)))
            })
            .clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(file: &FileScope, item: &str, path: &[&str]) -> Option<Vec<String>> {
        let module = file.item_modules.get(item).copied().unwrap_or(0);
        let segments: Vec<String> = path.iter().map(ToString::to_string).collect();
        file.modules[module]
            .resolve(&segments)
            .map(|(full, _)| full)
    }

    #[test]
    fn an_item_sees_the_use_items_of_its_own_module_only() {
        let file: syn::File = syn::parse_quote! {
            use rand::random;
            type Clock = std::time::Instant;
            struct Top;
            impl Top {}
            mod inner {
                use std::env::var;
                pub struct Inner;
                impl Inner {}
                pub fn helper() {}
            }
        };
        let file = FileScope::of_file(&file);
        let full = |item, path| resolved(&file, item, path).map(|p| p.join("::"));
        assert_eq!(full("Top", &["random"]).as_deref(), Some("rand::random"));
        assert_eq!(
            full("Top", &["Clock", "now"]).as_deref(),
            Some("std::time::Instant::now")
        );
        assert_eq!(full("Inner", &["var"]).as_deref(), Some("std::env::var"));
        assert_eq!(full("helper", &["random"]).as_deref(), Some("random"));
        assert_eq!(
            full("unknown", &["random"]).as_deref(),
            Some("rand::random")
        );
        let top = &file.modules[0];
        let exact_only = |path: &[&str]| {
            let segments: Vec<String> = path.iter().map(ToString::to_string).collect();
            top.resolve(&segments).map(|(_, exact)| exact)
        };
        assert_eq!(exact_only(&["Top", "now"]), Some(true));
        assert_eq!(exact_only(&["Instant", "now"]), Some(false));
    }
}
