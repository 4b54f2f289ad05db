#![allow(unused)]
//! Every macro takes `crate = path`, for crates that reach the runtime through a re-export.
use std::collections::{BTreeMap, HashMap};

mod rt {
    pub use workflow_runtime::*;
}

use rt::{ActivityContext, ActivityError, WorkflowContext, WorkflowResult};

#[rt::deterministic(crate = crate::rt)]
fn total(lines: &BTreeMap<String, u32>) -> u32 {
    lines.values().sum()
}

#[rt::deterministic(crate = crate::rt)]
mod pricing {
    use std::collections::BTreeMap;

    pub fn first(lines: &BTreeMap<String, u32>) -> Option<&String> {
        lines.keys().next()
    }
}

#[rt::activity(crate = crate::rt)]
async fn charge(_ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
    Ok(cents)
}

#[derive(Default)]
pub struct Priced {
    lines: BTreeMap<String, u32>,
}

#[rt::workflow(crate = crate::rt)]
impl Priced {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        Ok(ctx.state(|s| total(&s.lines) + pricing::first(&s.lines).map_or(0, |l| l.len() as u32)))
    }
}

fn main() {}
