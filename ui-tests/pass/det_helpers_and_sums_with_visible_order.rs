#![allow(unused)]
use std::collections::{BTreeMap, HashMap};

use workflow_runtime::prelude::*;

// Functions given a hash collection whose results show their order, iterators made from other
// collections, sums of integers over hash order and sums of floats over a fixed order.
fn sorted_names(map: &HashMap<String, u32>) -> Vec<String> {
    let mut names: Vec<String> = map.keys().cloned().collect();
    names.sort();
    names
}

fn in_order(prices: &BTreeMap<String, f64>) -> impl Iterator<Item = &f64> {
    prices.values()
}

fn names(map: &HashMap<String, u32>) -> impl Iterator<Item = &String> {
    map.keys()
}

fn lookup(map: &HashMap<String, u32>, key: &str) -> Option<u32> {
    map.get(key).copied()
}

#[derive(Default)]
pub struct Visible {
    counts: HashMap<String, u32>,
    prices: BTreeMap<String, f64>,
}

#[workflow]
impl Visible {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<f64> {
        for name in ctx.state(|s| sorted_names(&s.counts)) {
            let _ = name;
        }
        let sorted: Vec<String> = ctx.state(|s| sorted_names(&s.counts).into_iter().map(|n| n.to_uppercase()).collect());
        let walked: Vec<f64> = ctx.state(|s| in_order(&s.prices).copied().collect());
        let found = ctx.state(|s| lookup(&s.counts, "a").map(|v| v + 1));
        // Order-independent consumers of a hidden order stay allowed.
        let how_many = ctx.state(|s| names(&s.counts).count());
        let parts: Vec<&str> = "a, b".split(',').map(str::trim).collect();
        let units: u32 = ctx.state(|s| s.counts.values().sum());
        let product: u64 = ctx.state(|s| s.counts.values().map(|c| u64::from(*c)).product());
        let total: f64 = ctx.state(|s| s.prices.values().sum());
        let helped: f64 = ctx.state(|s| in_order(&s.prices).sum());
        #[allow_nondeterminism(ordering, reason = "a rounded figure for a log line")]
        let approximate: f64 = ctx.state(|s| s.counts.values().map(|c| f64::from(*c)).sum());
        Ok(total + helped)
    }
}

fn main() {}
