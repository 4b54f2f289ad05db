#![allow(unused)]
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use workflow_runtime::prelude::*;

/// Hash collections used only in ways whose result does not depend on their order.
#[derive(Default)]
pub struct Checked {
    totals: HashMap<String, u64>,
    seen: HashSet<u32>,
    ordered: BTreeMap<String, u64>,
}

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        let sum: u64 = ctx.state(|s| s.totals.values().sum());
        let count = ctx.state(|s| s.totals.keys().filter(|k| k.len() > 2).count());
        let biggest = ctx.state(|s| s.totals.values().copied().max());
        let any_big = ctx.state(|s| s.totals.values().any(|v| *v > 10));
        let as_tree = ctx.state(|s| s.totals.iter().map(|(k, v)| (k.clone(), *v)).collect::<BTreeMap<_, _>>());
        let ids = ctx.state(|s| s.seen.iter().copied().collect::<BTreeSet<u32>>());
        let sorted = ctx.state(|s| {
            let mut keys: Vec<_> = s.totals.keys().cloned().collect();
            keys.sort();
            keys
        });
        let lookups = ctx.state(|s| (s.totals.len(), s.totals.contains_key("a"), s.totals.get("b").copied()));
        // Ordered collections and vectors iterate in a fixed order.
        let names: Vec<String> = ctx.state(|s| s.ordered.keys().cloned().collect());
        for name in &names {
            let _ = name;
        }
        ctx.state_mut(|s| s.totals.retain(|_, v| *v > 0));
        #[allow_nondeterminism(ordering, reason = "every entry is added up, in any order")]
        for total in ctx.state(|s| s.totals.clone()).values() {
            let _ = total;
        }
        Ok(sum)
    }

    #[signal]
    pub fn clear(&mut self) {
        let total: u64 = self.totals.values().sum();
        self.seen.clear();
    }
}

fn main() {}
