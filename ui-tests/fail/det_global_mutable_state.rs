#![allow(unused)]
use std::sync::atomic::{AtomicU64, Ordering};

use workflow_runtime::prelude::*;

static RUNS: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
pub struct Counting;

#[workflow]
impl Counting {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        static SEEN: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());
        Ok(RUNS.fetch_add(1, Ordering::SeqCst))
    }
}

fn main() {}
