#![allow(unused)]
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use workflow_runtime::prelude::*;

/// State kept in the struct, as the docs recommend: a hash map and a hash set.
#[derive(Default)]
pub struct Checked {
    totals: HashMap<String, u64>,
    seen: HashSet<u32>,
}

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let names: Vec<String> = ctx.state(|s| s.totals.keys().cloned().collect());
        let first = ctx.state(|s| s.seen.iter().next().copied());
        Ok(())
    }

    #[signal]
    pub fn add(&mut self, name: String) {
        for (other, total) in &self.totals {
            let _ = (other, total);
        }
        let drained: Vec<_> = self.seen.drain().collect();
    }
}

fn main() {}
