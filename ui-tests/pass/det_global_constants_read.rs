#![allow(unused)]
use std::{
    collections::HashMap,
    sync::{
        LazyLock,
        atomic::{AtomicBool, Ordering},
    },
};

use workflow_runtime::prelude::*;

// Globals that cannot change: constants, statics without interior mutability, and a table
// built once from constants. Reading them is deterministic.
const WEIGHTS: [u32; 3] = [1, 2, 3];
const MAX_ITEMS: u32 = 10;
static LIMITS: [u32; 3] = [10, 20, 30];
static GREETING: &str = "hello";
static TAX: LazyLock<HashMap<&'static str, u32>> =
    LazyLock::new(|| HashMap::from([("FR", 20), ("DE", 19)]));
static PAUSED: AtomicBool = AtomicBool::new(false);

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        let weight = WEIGHTS.get(1).copied().unwrap_or(0);
        let limit = LIMITS.get(0).copied().unwrap_or(0);
        let first = GREETING.get(0..1);
        let tax = TAX.get("FR").copied().unwrap_or(0);
        #[allow_nondeterminism(global_state, reason = "read for a log line only")]
        let paused = PAUSED.load(Ordering::SeqCst);
        let flag = AtomicBool::new(true);
        let local = flag.load(Ordering::SeqCst);
        Ok(weight + limit + tax + MAX_ITEMS.min(3) + u32::from(first.is_some()))
    }
}

fn main() {}
