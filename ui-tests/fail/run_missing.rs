use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct NoRun;

#[workflow]
impl NoRun {
    pub async fn start(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
