#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[deterministic]
fn order_reference(order: u32) -> String {
    format!("{order}-{}", std::process::id())
}

fn main() {}
