#![allow(unused)]
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use workflow_runtime::prelude::*;

fn prices() -> HashMap<String, u64> {
    HashMap::from([("a".to_owned(), 1)])
}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, ids: Vec<u32>) -> WorkflowResult<()> {
        for (name, cents) in prices() {
            ctx.sleep(Duration::from_secs(cents)).await?;
        }
        let unique = ids.iter().copied().collect::<HashSet<_>>();
        let first = unique.into_iter().next();
        let mut sized = HashMap::with_capacity(4);
        sized.insert(1, 2);
        sized.values_mut().for_each(|v| *v += 1);
        Ok(())
    }
}

fn main() {}
