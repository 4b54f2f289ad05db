#![allow(unused)]
use std::collections::{HashMap, HashSet};

use workflow_runtime::prelude::*;

// Floating-point addition is not associative: a float sum or product over hash order can
// differ in its last bits between the run and its replay.
#[derive(Default)]
pub struct Invoice {
    prices: HashMap<String, f64>,
    rates: HashSet<u32>,
}

#[workflow]
impl Invoice {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<f64> {
        let total: f64 = ctx.state(|s| s.prices.values().sum());
        let doubled = ctx.state(|s| s.prices.values().map(|p| p * 2.0).sum::<f64>());
        let compound: f32 = ctx.state(|s| s.rates.iter().map(|r| 1.0 + *r as f32 / 100.0).product());
        Ok(total + doubled + f64::from(compound))
    }
}

fn main() {}
