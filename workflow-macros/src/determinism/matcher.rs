//! Which catalog rule a path names: the path is resolved against the item's scope, then
//! compared with each rule's full paths (`prefix::*` covers a whole module) and, for names
//! imported where the macro cannot see, with its distinctive suffixes.

use std::collections::BTreeSet;

use super::{
    catalog::{CONSTANTS, Kind, RULES, Rule},
    scope::Scope,
};

/// The segments of `path` as strings (`["std", "time", "SystemTime", "now"]`).
pub(crate) fn path_segments(path: &syn::Path) -> Vec<String> {
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

/// A path as the checked item's scope resolves it, ready to compare with catalog entries.
struct Resolved {
    /// As written (`["StdRng", "from_entropy"]`).
    segments: Vec<String>,
    /// Through the scope's aliases (`["rand", "rngs", "StdRng", "from_entropy"]`).
    full: Vec<String>,
    /// Whether an alias or an item of the module resolved it: then only full paths count.
    exact_only: bool,
    /// `full` joined, and the path behind each glob import, joined.
    joined: String,
    globbed: Vec<String>,
}

impl Resolved {
    fn new(scope: &Scope, path: &syn::Path) -> Option<Self> {
        let segments = path_segments(path);
        let (full, exact_only) = scope.resolve(&segments)?;
        let globbed = scope
            .globs()
            .iter()
            .map(|glob| {
                glob.iter()
                    .chain(&segments)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("::")
            })
            .collect();
        Some(Self {
            joined: full.join("::"),
            segments,
            full,
            exact_only,
            globbed,
        })
    }

    /// Whether the path is one of `paths`, or ends in one of `suffixes` where those count: a
    /// name the macro cannot trace, or a path resolved into a crate that `paths` name
    /// (`use rand::rngs::StdRng;` then `StdRng::from_entropy()` is
    /// `rand::rngs::StdRng::from_entropy`, which no full path spells, but the suffix
    /// `from_entropy` does, inside `rand`).
    fn is_named_by(&self, paths: &[&str], suffixes: &[&str]) -> bool {
        let in_their_crate = || {
            self.full.first().is_some_and(|root| {
                paths
                    .iter()
                    .any(|p| p.split("::").next() == Some(root.as_str()))
            })
        };
        paths.iter().any(|p| {
            matches_path(p, &self.joined) || self.globbed.iter().any(|g| matches_path(p, g))
        }) || (!self.exact_only && suffixes.iter().any(|s| matches_suffix(s, &self.segments)))
            || (self.exact_only
                && in_their_crate()
                && suffixes.iter().any(|s| matches_suffix(s, &self.full)))
    }
}

/// The rule a path or macro path matches, if any.
pub(crate) fn lookup(scope: &Scope, path: &syn::Path, kind: Kind) -> Option<&'static Rule> {
    let resolved = Resolved::new(scope, path)?;
    if scope.globs().is_empty() && !may_match(&resolved.segments, &resolved.full) {
        return None;
    }
    RULES
        .iter()
        .filter(|r| r.kind == kind)
        .find(|rule| resolved.is_named_by(rule.paths, rule.suffixes))
}

/// The type of a catalog constant that `path` names (`std::time::SystemTime` for
/// `UNIX_EPOCH`), resolved like any path.
pub(crate) fn constant_type_of(scope: &Scope, path: &syn::Path) -> Option<syn::Path> {
    let resolved = Resolved::new(scope, path)?;
    let (_, _, ty) = CONSTANTS
        .iter()
        .find(|(paths, suffixes, _)| resolved.is_named_by(paths, suffixes))?;
    syn::parse_str(ty).ok()
}
