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

    #[update(validator = Self::check)]
    pub fn set(&mut self, approved: bool) -> WorkflowResult<()> {
        self.approved = Some(approved);
        Ok(())
    }
}

fn main() {}
