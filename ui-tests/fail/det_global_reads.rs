#![allow(unused)]
use std::{
    cell::Cell,
    sync::{
        LazyLock, OnceLock, RwLock,
        atomic::{AtomicBool, Ordering},
    },
};

use workflow_runtime::prelude::*;

// Globals declared outside the workflow, as real code does: reading them is refused by type.
static PAUSED: AtomicBool = AtomicBool::new(false);
static REGION: OnceLock<String> = OnceLock::new();
static PRICES: RwLock<Vec<u32>> = RwLock::new(Vec::new());
static RATES: LazyLock<RwLock<Vec<u32>>> = LazyLock::new(|| RwLock::new(vec![1, 2]));
static HITS: LazyLock<std::sync::Arc<std::sync::atomic::AtomicU32>> = LazyLock::new(Default::default);
static SEEN: LazyLock<Box<OnceLock<u32>>> = LazyLock::new(Default::default);

thread_local! {
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

mod config {
    pub static RETRIES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(3);
}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        if PAUSED.load(Ordering::SeqCst) {
            return Ok(());
        }
        let region = REGION.get();
        let prices = PRICES.read();
        let rates = RATES.read();
        let calls = CALLS.with(|c| c.get());
        CALLS.set(calls + 1);
        let retries = config::RETRIES.load(Ordering::Relaxed);
        let hits = HITS.load(Ordering::Relaxed);
        let seen = SEEN.get();
        Ok(())
    }
}

fn main() {}
