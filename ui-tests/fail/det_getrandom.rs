#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod getrandom { pub fn getrandom(_: &mut [u8]) {} }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let mut buf = [0u8; 8];
        getrandom::getrandom(&mut buf);
        Ok(())
    }
}

fn main() {}
