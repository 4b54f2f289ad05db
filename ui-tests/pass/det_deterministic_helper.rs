#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[deterministic]
fn total_cents(prices: &[u64]) -> u64 {
    prices.iter().sum()
}

#[deterministic]
impl Pricing {
    fn discounted(&self, cents: u64) -> u64 {
        cents - cents * self.percent / 100
    }
}

struct Pricing {
    percent: u64,
}

fn main() {
    assert_eq!(total_cents(&[1, 2]), 3);
    assert_eq!(Pricing { percent: 10 }.discounted(100), 90);
}
