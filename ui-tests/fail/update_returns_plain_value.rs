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

    #[update]
    pub fn set(&mut self, approved: bool) -> bool {
        self.approved.replace(approved).unwrap_or_default()
    }
}

fn main() {}
