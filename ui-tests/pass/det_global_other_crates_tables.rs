#![allow(unused)]
use std::collections::HashMap;

use workflow_runtime::prelude::*;

// Tables built once by other crates' lazy wrappers: what they dereference to cannot change,
// so reading them is deterministic.
static TAX: once_cell::sync::Lazy<HashMap<&'static str, u32>> =
    once_cell::sync::Lazy::new(|| HashMap::from([("FR", 20), ("DE", 19)]));
lazy_static::lazy_static! {
    static ref LIMITS: Vec<u32> = vec![10, 20, 30];
}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        let tax = TAX.get("FR").copied().unwrap_or(0);
        let limit = LIMITS.get(1).copied().unwrap_or(0);
        Ok(tax + limit)
    }
}

fn main() {}
