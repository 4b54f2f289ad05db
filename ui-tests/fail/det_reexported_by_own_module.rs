#![allow(unused)]
use workflow_runtime::prelude::*;

// The crate's own module re-exports a clock; the path through it resolves to the origin.
mod timeutil {
    pub use std::time::SystemTime;
    pub(crate) use std::time::Instant as Monotonic;
}

#[derive(Default)]
pub struct Stamped;

#[workflow]
impl Stamped {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let wall = timeutil::SystemTime::now();
        let mono = timeutil::Monotonic::now();
        Ok(())
    }
}

fn main() {}
