use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Sync;

#[workflow]
impl Sync {
    #[run]
    pub fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
