use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Named;

#[workflow(nmae = "Other")]
impl Named {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
