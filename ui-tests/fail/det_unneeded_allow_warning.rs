#![deny(deprecated)]
#![allow(unused)]

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Tidy;

#[workflow]
impl Tidy {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u64> {
        #[allow_nondeterminism(reason = "used to call SystemTime::now() here")]
        let seed = ctx.random();
        Ok(seed)
    }
}

fn main() {}
