use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Kid;

#[workflow]
impl Kid {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, depth: u32) -> WorkflowResult<u32> {
        Ok(depth)
    }
}

#[derive(Default)]
pub struct Parent;

#[workflow]
impl Parent {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        Ok(ctx.child(Kid::run, "three".to_owned()).await?)
    }
}

fn main() {}
