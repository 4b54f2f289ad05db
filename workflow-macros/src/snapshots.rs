//! Expansion snapshots, in the manner of pin-project's `tests/expand`: each
//! `tests/expand/<shape>.rs` holds one shape of macro use (a workflow, an activity function, an
//! `#[activities]` impl, a workflow with signal, query and update handlers, a
//! `#[deterministic]` module); the test expands its macros through the same functions the
//! compiler calls, pretty-prints the file and compares it with `<shape>.expanded.rs`, so a
//! change to generated code shows in review. `UPDATE_EXPANDED=1 cargo test -p workflow-macros
//! snapshots` rewrites the snapshots; read the diff before committing it. A missing snapshot is
//! written and the test fails, so a new shape is reviewed too.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::{
    entry,
    symbol::Symbol,
    symbol::{ACTIVITIES, ACTIVITY, DETERMINISTIC, WORKFLOW},
};

/// An entry point: attribute arguments and item in, expansion out.
type Expand = fn(TokenStream, TokenStream) -> TokenStream;

/// The attribute macros that go on an item, with the entry point that expands each.
const MACROS: [(Symbol, Expand); 4] = [
    (WORKFLOW, entry::workflow),
    (ACTIVITY, entry::activity),
    (ACTIVITIES, entry::activities),
    (DETERMINISTIC, entry::deterministic),
];

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand")
}

/// The file with every item under one of our attributes replaced by its expansion.
fn expand_file(source: &str) -> String {
    let file = syn::parse_file(source).expect("the input parses");
    let mut items = Vec::new();
    for mut item in file.items {
        let attrs = match &mut item {
            syn::Item::Fn(item) => &mut item.attrs,
            syn::Item::Impl(item) => &mut item.attrs,
            syn::Item::Mod(item) => &mut item.attrs,
            _ => {
                items.push(item);
                continue;
            }
        };
        let found = attrs.iter().position(|attr| {
            MACROS.iter().any(|(name, _)| {
                attr.path()
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == *name)
            })
        });
        let Some(index) = found else {
            items.push(item);
            continue;
        };
        let attr = attrs.remove(index);
        let (_, expand) = MACROS
            .iter()
            .find(|(name, _)| {
                attr.path()
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == *name)
            })
            .expect("found above");
        let args = match attr.meta {
            syn::Meta::List(list) => list.tokens,
            _ => TokenStream::new(),
        };
        let expanded = expand(args, item.into_token_stream());
        let expanded: syn::File = syn::parse2(expanded).expect("the expansion parses as items");
        items.extend(expanded.items);
    }
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: file.attrs,
        items,
    })
}

#[test]
fn expansions_match_their_snapshots() {
    let update = std::env::var_os("UPDATE_EXPANDED").is_some_and(|v| v == "1");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(folder())
        .expect("tests/expand exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", folder().display());
    let mut failures = Vec::new();
    for input in inputs {
        let source = std::fs::read_to_string(&input).expect("a readable input");
        let actual = expand_file(&source);
        let snapshot = input.with_extension("expanded.rs");
        let name = snapshot
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        match std::fs::read_to_string(&snapshot) {
            Ok(expected) if expected == actual => {}
            Ok(_) | Err(_) if update => {
                std::fs::write(&snapshot, &actual).expect("snapshot written");
            }
            Ok(expected) => {
                let line = expected
                    .lines()
                    .zip(actual.lines())
                    .position(|(e, a)| e != a)
                    .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
                failures.push(format!(
                    "{name}: differs from line {}:\n  expected: {:?}\n  actual:   {:?}",
                    line + 1,
                    expected.lines().nth(line).unwrap_or("(end)"),
                    actual.lines().nth(line).unwrap_or("(end)"),
                ));
            }
            Err(_) => {
                std::fs::write(&snapshot, &actual).expect("snapshot written");
                failures.push(format!("{name}: new snapshot written; review it"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "expansions changed (run with UPDATE_EXPANDED=1 and review the diff):\n{}",
        failures.join("\n")
    );
}
