#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod lazy_static { #[macro_export] macro_rules! lazy_static { ($($t:tt)*) => {}; } pub use lazy_static; }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        lazy_static::lazy_static! {
            static ref COUNT: u32 = 0;
        }
        Ok(())
    }
}

fn main() {}
