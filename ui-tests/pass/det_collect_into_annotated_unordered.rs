#![allow(unused)]
use std::collections::{BTreeMap, BTreeSet, HashMap};

use workflow_runtime::prelude::*;

// Collecting hash-ordered entries into a collection that does not keep insertion order, with
// the target type on the `let`: the same as `collect::<BTreeMap<..>>()`.
#[derive(Default)]
pub struct Stock {
    levels: HashMap<String, u32>,
}

#[workflow]
impl Stock {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        let low: BTreeMap<String, u32> = ctx.state(|s| {
            s.levels
                .iter()
                .filter(|(_, level)| **level < 5)
                .map(|(sku, level)| (sku.clone(), *level))
                .collect()
        });
        let skus: BTreeSet<String> = ctx.state(|s| s.levels.keys().cloned().collect());
        Ok(low.into_keys().chain(skus).collect())
    }
}

fn main() {}
