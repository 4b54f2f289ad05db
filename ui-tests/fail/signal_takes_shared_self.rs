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
    pub fn approve(&self, approved: bool) {
        let _ = (self.approved, approved);
    }
}

fn main() {}
