#![allow(unused)]
use std::time::{Duration, Instant};

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Timed;

#[workflow]
impl Timed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        #[allow_nondeterminism(time, reason = "only logged")]
        let started = Instant::now();
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(started.elapsed().as_secs())
    }
}

#[deterministic]
fn older_than(created: std::time::SystemTime, limit: Duration) -> bool {
    created.elapsed().is_ok_and(|age| age > limit)
}

fn main() {}
