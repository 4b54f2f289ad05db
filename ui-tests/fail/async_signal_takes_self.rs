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

    #[signal]
    pub async fn approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }
}

fn main() {}
