//! Which names a checked item brings into scope: `use` aliases and globs written inside it or
//! at the top of its source file, and the items either declares. Resolving a path against them
//! tells a library call (`Clock::now()` after `use std::time::SystemTime as Clock`, a bare
//! `random()` after `use rand::random` at the top of the file) from the user's own function.

use std::{
    cell::RefCell,
    collections::{BTreeMap, BTreeSet, HashMap},
    path::{Path, PathBuf},
    rc::Rc,
};

use proc_macro2::LineColumn;

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
    /// What the inline modules among those items re-export (`mod timeutil { pub use
    /// chrono::Local; }`): module -> (name -> full path), so `timeutil::Local::now()` resolves
    /// to `chrono::Local::now`.
    reexports: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Scope {
    /// Adds the `use` declarations and type aliases of the module that holds the checked item
    /// in the source file the macro was called in (read through
    /// `proc_macro::Span::local_file`). `name` is the item's name (an impl's type or a
    /// function's name) and `at` the span of its first token. A module sees only its own `use`
    /// items, so a workflow in `mod inner { .. }` is resolved against `inner`'s; the module is
    /// found by position, so two impls of one type name in two modules each get their own.
    pub(crate) fn collect_file(&mut self, name: &str, at: proc_macro2::Span) {
        if let Some(file) = macro_source_file_scope()
            && let Some(scope) = file.module_of(name, at.start())
        {
            self.aliases.extend(scope.aliases.clone());
            self.globs.extend(scope.globs.iter().cloned());
            self.module_items.extend(scope.module_items.iter().cloned());
            self.reexports.extend(scope.reexports.clone());
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
                    if let syn::Item::Mod(module) = item
                        && let Some((_, items)) = &module.content
                    {
                        let reexported = Self::reexports_of(items);
                        if !reexported.is_empty() {
                            scope.reexports.insert(module.ident.to_string(), reexported);
                        }
                    }
                }
            }
        }
        scope
    }

    /// The names an inline module's `pub use` items re-export, with their full paths.
    fn reexports_of(items: &[syn::Item]) -> BTreeMap<String, Vec<String>> {
        let mut uses = Self::default();
        for item in items {
            if let syn::Item::Use(item) = item
                && !matches!(item.vis, syn::Visibility::Inherited)
            {
                uses.collect_use(&item.tree, Vec::new());
            }
        }
        uses.aliases
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
        // A name an inline module of this one re-exports (`timeutil::Local`).
        let reexported = segments
            .get(1)
            .and_then(|name| self.reexports.get(first)?.get(name));
        if let Some(target) = reexported {
            full = target.iter().chain(&segments[2..]).cloned().collect();
        }
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
            reexported.is_some()
                || self.aliases.contains_key(first)
                || self.module_items.contains(first),
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
/// of each inline module (index 0 is the file's top level), where each module's braces are,
/// and the impls, functions and modules each declares. A path through one of the module's own
/// items is matched against the catalog's full paths only: a module named like a crate reads
/// like that crate. It holds names and positions only, no tokens, so it outlives the macro call
/// that read it.
#[derive(Default)]
struct FileScope {
    modules: Vec<ModuleScope>,
}

struct ModuleScope {
    scope: Scope,
    /// From the module's `{` to its `}`; `None` for the file's top level, which holds
    /// everything.
    braces: Option<(LineColumn, LineColumn)>,
    /// The names of the impls (their type's last segment), functions and modules declared
    /// directly in the module.
    declares: BTreeSet<String>,
}

impl ModuleScope {
    fn holds(&self, at: LineColumn) -> bool {
        let key = |p: LineColumn| (p.line, p.column);
        self.braces
            .is_none_or(|(open, close)| key(open) < key(at) && key(at) < key(close))
    }
}

impl FileScope {
    fn of_file(file: &syn::File) -> Self {
        let mut scope = Self::default();
        scope.collect_module(&file.items, None);
        scope
    }

    fn collect_module(&mut self, items: &[syn::Item], braces: Option<(LineColumn, LineColumn)>) {
        let mut declares = BTreeSet::new();
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
                declares.insert(name.to_string());
            }
        }
        self.modules.push(ModuleScope {
            scope: Scope::of_module(items),
            braces,
            declares,
        });
        for item in items {
            if let syn::Item::Mod(syn::ItemMod {
                content: Some((brace, items)),
                ..
            }) = item
            {
                let span = brace.span.join();
                self.collect_module(items, Some((span.start(), span.end())));
            }
        }
    }

    /// The scope of the module that holds the item named `name` whose first token is `at`:
    /// the innermost module whose braces hold `at`, when it declares such an item. Otherwise
    /// (no position, as for tokens from another macro, or a file that changed since the
    /// compiler read it) the first module that declares the name; else the innermost module
    /// that holds `at` (an item inside a function body), and else the top level.
    fn module_of(&self, name: &str, at: LineColumn) -> Option<&Scope> {
        let declares = |module: &&ModuleScope| module.declares.contains(name);
        let by_position = (at.line > 0)
            .then(|| self.modules.iter().rfind(|module| module.holds(at)))
            .flatten();
        let module = by_position
            .filter(declares)
            .or_else(|| self.modules.iter().find(declares))
            .or(by_position)
            .or(self.modules.first())?;
        Some(&module.scope)
    }
}

/// The names the current macro call's source file brings into scope, when the file is on disk
/// (not in unit tests, nor for code generated elsewhere).
fn macro_source_file_scope() -> Option<Rc<FileScope>> {
    if !proc_macro::is_available() {
        return None;
    }
    file_scope(&proc_macro::Span::call_site().local_file()?)
}

/// The scope of the file at `path`, as it is now. The compiler, and rust-analyzer's proc-macro
/// server even more, run many macro calls in one long-lived process, while the user edits the
/// file: so the file is read again on every call and parsed again whenever its text changed
/// (a parse costs far more than a read). Per thread, since the scope holds `Rc`s.
fn file_scope(path: &Path) -> Option<Rc<FileScope>> {
    struct Parsed {
        text: String,
        scope: Option<Rc<FileScope>>,
    }
    thread_local! {
        static FILES: RefCell<HashMap<PathBuf, Parsed>> = RefCell::default();
    }
    let text = std::fs::read_to_string(path).ok()?;
    FILES.with(|files| {
        let mut files = files.borrow_mut();
        if let Some(parsed) = files.get(path)
            && parsed.text == text
        {
            return parsed.scope.clone();
        }
        let scope = parse_with_positions(&text).map(Rc::new);
        let parsed = Parsed {
            text,
            scope: scope.clone(),
        };
        files.insert(path.to_owned(), parsed);
        scope
    })
}

/// Parses a file's text with line and column on every token. Inside a macro, proc-macro2 parses
/// through the compiler, whose tokens parsed from a string carry no position; its own fallback
/// parser records them. It is switched on for this parse only (the switch is this macro
/// crate's own), and the positions it kept are dropped after, so a long-lived process does not
/// keep every version of the file.
fn parse_with_positions(text: &str) -> Option<FileScope> {
    struct Fallback {
        forced: bool,
    }
    impl Drop for Fallback {
        fn drop(&mut self) {
            if self.forced {
                proc_macro2::extra::invalidate_current_thread_spans();
                proc_macro2::fallback::unforce();
            }
        }
    }
    let forced = proc_macro::is_available();
    if forced {
        proc_macro2::fallback::force();
    }
    let _fallback = Fallback { forced };
    // Dropped before `_fallback`: no token outlives the switch.
    let file = syn::parse_file(text).ok()?;
    Some(FileScope::of_file(&file))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unknown position: the module is found by the item's name.
    const NOWHERE: LineColumn = LineColumn { line: 0, column: 0 };

    fn resolved(file: &FileScope, item: &str, at: LineColumn, path: &[&str]) -> Option<String> {
        let segments: Vec<String> = path.iter().map(ToString::to_string).collect();
        file.module_of(item, at)?
            .resolve(&segments)
            .map(|(full, _)| full.join("::"))
    }

    #[test]
    fn names_an_inline_module_re_exports_resolve_to_their_origin() {
        let file: syn::File = syn::parse_quote! {
            mod timeutil {
                pub use chrono::Local;
                pub(crate) use std::time::{Instant as Monotonic, SystemTime};
                use rand::random;
                pub fn today() {}
            }
            struct Top;
            impl Top {}
        };
        let file = FileScope::of_file(&file);
        let full = |path| resolved(&file, "Top", NOWHERE, path);
        assert_eq!(
            full(&["timeutil", "Local", "now"]).as_deref(),
            Some("chrono::Local::now")
        );
        assert_eq!(
            full(&["timeutil", "Monotonic", "now"]).as_deref(),
            Some("std::time::Instant::now")
        );
        assert_eq!(
            full(&["timeutil", "SystemTime", "now"]).as_deref(),
            Some("std::time::SystemTime::now")
        );
        // A private `use` is not re-exported; the module's own function stays its own.
        assert_eq!(
            full(&["timeutil", "random"]).as_deref(),
            Some("timeutil::random")
        );
        assert_eq!(
            full(&["timeutil", "today"]).as_deref(),
            Some("timeutil::today")
        );
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
        let full = |item, path| resolved(&file, item, NOWHERE, path);
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
        let top = &file.modules[0].scope;
        let exact_only = |path: &[&str]| {
            let segments: Vec<String> = path.iter().map(ToString::to_string).collect();
            top.resolve(&segments).map(|(_, exact)| exact)
        };
        assert_eq!(exact_only(&["Top", "now"]), Some(true));
        assert_eq!(exact_only(&["Instant", "now"]), Some(false));
    }

    /// A file of its own under the temporary folder, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, text: &str) -> Self {
            let path = std::env::temp_dir()
                .join(format!("workflow-macros-{}-{name}.rs", std::process::id()));
            std::fs::write(&path, text).expect("temporary file written");
            Self(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    // The compiler and rust-analyzer's proc-macro server expand many macro calls in one
    // process while the user edits the file: each call must see the file as it is now.
    #[test]
    fn an_edit_of_the_file_is_seen_by_the_same_process() {
        let source = |krate: &str| {
            format!("use {krate}::random;\nstruct Top;\nimpl Top {{ fn f() {{ random(); }} }}\n")
        };
        let file = TempFile::new("edit", &source("rand"));
        let resolve = || {
            let scope = file_scope(&file.0).expect("file parses");
            resolved(&scope, "Top", NOWHERE, &["random"])
        };
        assert_eq!(resolve().as_deref(), Some("rand::random"));
        // Unchanged: the parsed scope is reused.
        let before = file_scope(&file.0).expect("file parses");
        assert!(Rc::ptr_eq(
            &before,
            &file_scope(&file.0).expect("file parses")
        ));
        // An edit of the `use` item, even one that keeps the file's length.
        std::fs::write(&file.0, source("ring")).expect("temporary file rewritten");
        assert_eq!(resolve().as_deref(), Some("ring::random"));
        std::fs::write(&file.0, source("fastrand")).expect("temporary file rewritten");
        assert_eq!(resolve().as_deref(), Some("fastrand::random"));
    }

    // Items are found by position, not by name: two impls of `W` in two inline modules are
    // each resolved against their own module's `use` items.
    #[test]
    fn impls_of_one_name_in_two_modules_each_see_their_own_module() {
        let text = "\
mod a {
    use std::time::SystemTime as Clock;
    pub struct W;
    impl W { fn f() { Clock::now(); } }
}
mod b {
    use std::time::Instant as Clock;
    pub struct W;
    impl W { fn f() { Clock::now(); } }
}
";
        let file = TempFile::new("two-modules", text);
        let scope = file_scope(&file.0).expect("file parses");
        // The impls as the macro receives them: tokens that carry their place in the file.
        let parsed = syn::parse_file(text).expect("file parses");
        let impls: Vec<LineColumn> = parsed
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Mod(module) => module.content.as_ref(),
                _ => None,
            })
            .flat_map(|(_, items)| items)
            .filter_map(|item| match item {
                syn::Item::Impl(item) => Some(item.impl_token.span.start()),
                _ => None,
            })
            .collect();
        assert_eq!(impls.len(), 2);
        let clock = |at| resolved(&scope, "W", at, &["Clock", "now"]);
        assert_eq!(
            clock(impls[0]).as_deref(),
            Some("std::time::SystemTime::now")
        );
        assert_eq!(clock(impls[1]).as_deref(), Some("std::time::Instant::now"));
    }
}
