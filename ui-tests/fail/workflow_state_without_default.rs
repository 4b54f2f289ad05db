use workflow_runtime::prelude::*;

pub struct NoDefault {
    _count: u32,
}

#[workflow]
impl NoDefault {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
