#![allow(unused)]
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher};

use workflow_runtime::prelude::*;

// A map or set whose hasher is a `BuildHasherDefault` hashes with fixed keys: the same
// operations leave the same order on every run, so iterating it is replay-safe.
type FixedMap<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;
type FixedSet<T> = HashSet<T, BuildHasherDefault<DefaultHasher>>;

#[derive(Default)]
pub struct Fixed {
    steps: FixedMap<String, u32>,
    seen: FixedSet<u64>,
}

#[workflow]
impl Fixed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Vec<String>> {
        let names: Vec<String> = ctx.state(|s| s.steps.keys().cloned().collect());
        let ids = ctx.state(|s| s.seen.clone());
        for id in &ids {
            let _ = ctx.sleep(std::time::Duration::from_secs(*id)).await;
        }
        let steps = ctx.state(|s| s.steps.clone());
        for (name, count) in steps {
            let _ = (name, count);
        }
        Ok(names)
    }

    #[signal]
    pub fn reset(&mut self) {
        for count in self.steps.values_mut() {
            *count = 0;
        }
    }
}

fn main() {}
