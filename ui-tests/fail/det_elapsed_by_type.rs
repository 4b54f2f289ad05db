#![allow(unused)]
use std::time::{Duration, Instant, SystemTime};

use workflow_runtime::prelude::*;

// `.elapsed()` reads the clock whatever the receiver's origin: a field, a function's result,
// a reference passed in.
pub struct Timed {
    started: Instant,
}

impl Default for Timed {
    fn default() -> Self {
        Self {
            started: Instant::now(),
        }
    }
}

fn created_at() -> SystemTime {
    SystemTime::UNIX_EPOCH
}

#[workflow]
impl Timed {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        let spent = ctx.state(|s| s.started.elapsed());
        let age = created_at().elapsed();
        Ok(spent.as_secs())
    }
}

#[deterministic]
fn waited(since: &tokio::time::Instant) -> Duration {
    since.elapsed()
}

fn main() {}
