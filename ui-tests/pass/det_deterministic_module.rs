#![allow(unused)]
use std::collections::BTreeMap;

use workflow_runtime::prelude::*;

#[deterministic]
mod pricing {
    use std::collections::BTreeMap;

    /// The module's own `now`, named like a clock read.
    fn now() -> u64 {
        0
    }

    pub fn total(lines: &BTreeMap<String, u32>) -> u32 {
        lines.values().sum::<u32>() + now() as u32
    }

    #[workflow_runtime::deterministic]
    pub fn first(lines: &BTreeMap<String, u32>) -> Option<&String> {
        lines.keys().next()
    }

    /// Activities are where the clock may be read: the module leaves them alone.
    #[workflow_runtime::activity]
    pub async fn stamp(
        _ctx: workflow_runtime::ActivityContext,
    ) -> Result<u64, workflow_runtime::ActivityError> {
        let now = std::time::SystemTime::now();
        Ok(now.elapsed().map(|d| d.as_secs()).unwrap_or(0))
    }
}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        let lines = BTreeMap::from([("a".to_owned(), 2)]);
        Ok(pricing::total(&lines))
    }
}

fn main() {}
