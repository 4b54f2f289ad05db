use workflow_runtime::prelude::*;

pub struct Reviewer(bool);

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
    pub fn approve(&mut self, reviewer: Reviewer) {
        self.approved = Some(reviewer.0);
    }
}

fn main() {}
