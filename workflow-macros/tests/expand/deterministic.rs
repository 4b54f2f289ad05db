use std::collections::HashMap;

use workflow_runtime::prelude::*;

#[deterministic]
mod pricing {
    use std::collections::HashMap;

    pub static RATES: std::sync::OnceLock<HashMap<String, u32>> = std::sync::OnceLock::new();

    pub fn first_rate(rates: &HashMap<String, u32>) -> Option<&u32> {
        rates.values().next()
    }

    pub fn total(rates: &HashMap<String, u32>) -> u32 {
        rates.values().sum::<u32>() + RATES.get().map_or(0, |r| r.len() as u32)
    }
}
