use workflow_runtime::prelude::*;

/// A plain async function, not a workflow's `#[run]` method.
async fn not_a_workflow(n: u32) -> u32 {
    n
}

#[derive(Default)]
pub struct Parent;

#[workflow]
impl Parent {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        Ok(ctx.child(not_a_workflow, 3).await?)
    }
}

fn main() {}
