#![allow(unused)]
use std::time::{Duration, Instant};

use workflow_runtime::prelude::*;

/// A type of the user's with an `elapsed` of its own: workflow time, counted in timer ticks.
#[derive(Default, Clone, Copy)]
pub struct Ticks(u64);

impl Ticks {
    pub fn elapsed(&self) -> Duration {
        Duration::from_secs(self.0)
    }
}

#[derive(Default)]
pub struct Counted {
    ticks: Ticks,
}

#[workflow]
impl Counted {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        let counted = ctx.state(|s| s.ticks.elapsed());
        #[allow_nondeterminism(time, reason = "only logged")]
        let logged = Instant::now().elapsed();
        Ok(counted.as_secs())
    }
}

fn main() {}
