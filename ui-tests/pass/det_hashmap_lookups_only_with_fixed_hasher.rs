#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let mut index: std::collections::HashMap<u32, &str, std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>> = Default::default();
        index.insert(1, "one");
        let one = index.get(&1);
        Ok(())
    }
}

fn main() {}
