#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod rand { pub fn random<T: Default>() -> T { T::default() } }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let n: u8 = rand::random();
        Ok(())
    }
}

fn main() {}
