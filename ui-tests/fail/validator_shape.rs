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
    pub fn set(&mut self, approved: bool, note: String) -> WorkflowResult<()> {
        let _ = note;
        self.approved = Some(approved);
        Ok(())
    }

    async fn check(&mut self, approved: bool) -> bool {
        approved
    }
}

fn main() {}
