//! Which names a checked item brings into scope: `use` aliases and globs written inside it or
//! at the top of its source file, and the items either declares. Resolving a path against them
//! tells a library call (`Clock::now()` after `use std::time::SystemTime as Clock`, a bare
//! `random()` after `use rand::random` at the top of the file) from the user's own function.

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::Visit;

/// Names the item brings into scope: `use` aliases (alias -> full path) and locally declared
/// items that shadow library names.
#[derive(Default)]
pub(crate) struct Scope {
    aliases: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
    local_items: BTreeSet<String>,
}

impl Scope {
    /// Adds the `use` declarations at the top level of the source file the macro was called in
    /// (read through `proc_macro::Span::local_file`). Modules nested in the file are not read:
    /// their `use` items are out of sight, which the docs say.
    pub(crate) fn collect_file(&mut self) {
        if let Some(file) = macro_source_file_scope() {
            self.aliases.extend(file.aliases.clone());
            self.globs.extend(file.globs.iter().cloned());
        }
    }

    /// The `use` items at the top level of a parsed file. The file's own items are not
    /// collected: a path through one of them reads like a path through a crate of that name,
    /// and is checked as one, as before.
    fn of_file(file: &syn::File) -> Self {
        let mut scope = Self::default();
        for item in &file.items {
            if let syn::Item::Use(item) = item {
                scope.collect_use(&item.tree, Vec::new());
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
                if let Some(ident) = item_ident(item) {
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

    /// The prefixes of the item's glob imports (`std::env` for `use std::env::*`).
    pub(crate) fn globs(&self) -> &[Vec<String>] {
        &self.globs
    }

    /// The full path of `segments` as far as the item shows it, and whether it was resolved
    /// through a visible `use` (then only full paths count, not suffixes). `None` for paths
    /// that are certainly the user's own.
    pub(crate) fn resolve(&self, segments: &[String]) -> Option<(Vec<String>, bool)> {
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

/// The names the top level of the current macro call's source file brings into scope, when
/// the file is on disk (not in unit tests, nor for code generated elsewhere). Each file is read
/// and parsed once per compiler process; only the names are kept, since tokens cannot outlive
/// the macro call that made them.
fn macro_source_file_scope() -> Option<std::rc::Rc<Scope>> {
    use std::{cell::RefCell, collections::HashMap, path::PathBuf, rc::Rc};
    thread_local! {
        static SCOPES: RefCell<HashMap<PathBuf, Option<Rc<Scope>>>> = RefCell::default();
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
                Some(Rc::new(Scope::of_file(&file)))
            })
            .clone()
    })
}
