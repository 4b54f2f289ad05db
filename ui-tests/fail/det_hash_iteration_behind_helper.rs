#![allow(unused)]
use std::collections::{HashMap, HashSet};

use workflow_runtime::prelude::*;

// A function the check cannot see into turns a hash collection into an iterator whose type
// hides its order; the workflow iterates it.
fn names(map: &HashMap<String, u32>) -> impl Iterator<Item = &String> {
    map.keys()
}

fn boxed(set: &HashSet<u64>) -> Box<dyn Iterator<Item = u64> + '_> {
    Box::new(set.iter().copied())
}

#[derive(Default)]
pub struct Hidden {
    map: HashMap<String, u32>,
    ids: HashSet<u64>,
}

impl Hidden {
    fn pending(&self) -> std::collections::hash_map::Keys<'_, String, u32> {
        self.map.keys()
    }
}

#[workflow]
impl Hidden {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        let listed: Vec<String> = ctx.state(|s| names(&s.map).cloned().collect());
        let ids = ctx.state(|s| s.ids.clone());
        for id in boxed(&ids) {
            ctx.sleep(std::time::Duration::from_secs(id)).await;
        }
        let first = ctx.state(|s| s.pending().next().cloned());
        Ok(listed)
    }
}

fn main() {}
