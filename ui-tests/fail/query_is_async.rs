use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Approval {
    approved: Option<bool>,
}

#[workflow]
impl Approval {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        Ok(true)
    }

    #[query]
    pub async fn approved(ctx: WorkflowContext<Self>) -> Option<bool> {
        ctx.state(|s| s.approved)
    }
}

fn main() {}
