#![allow(unused)]
use std::{collections::HashMap, sync::RwLock};

use workflow_runtime::prelude::*;

// Globals behind other crates' wrappers: decided by what the wrapper dereferences to (a lazy
// static holding a lock), or by the lock or cell type itself.
static FLAGS: once_cell::sync::Lazy<RwLock<HashMap<String, bool>>> =
    once_cell::sync::Lazy::new(|| RwLock::new(HashMap::new()));
lazy_static::lazy_static! {
    static ref LIMITS: RwLock<Vec<u32>> = RwLock::new(vec![10, 20]);
}
static QUOTAS: parking_lot::RwLock<Vec<u32>> = parking_lot::RwLock::new(Vec::new());
static REGION: once_cell::sync::OnceCell<String> = once_cell::sync::OnceCell::new();
static PRICES: once_cell::sync::Lazy<parking_lot::RwLock<Vec<u32>>> =
    once_cell::sync::Lazy::new(|| parking_lot::RwLock::new(vec![1]));

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let flags = FLAGS.read();
        let limits = LIMITS.read();
        let quotas = QUOTAS.read();
        let region = REGION.get();
        let prices = PRICES.read();
        Ok(())
    }
}

fn main() {}
