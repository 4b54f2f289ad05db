use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Twice;

#[workflow]
impl Twice {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }

    #[run]
    pub async fn run_again(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
