#![allow(unused)]
use std::hash::{BuildHasher, RandomState};

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, customer: String) -> WorkflowResult<u64> {
        // Hashing used as data: the bucket is different on replay.
        let bucket = RandomState::new().hash_one(&customer) % 16;
        let state = std::collections::hash_map::RandomState::default();
        Ok(bucket)
    }
}

fn main() {}
