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
    pub fn approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }

    #[signal(name = "approve")]
    pub fn approve_again(&mut self, approved: bool) {
        self.approved = Some(approved);
    }

    #[query(dynamic)]
    pub fn any(&self, name: String, args: Vec<workflow_runtime::payload::Payload>) -> usize {
        name.len() + args.len()
    }

    #[query(dynamic)]
    pub fn any_other(&self, name: String, args: Vec<workflow_runtime::payload::Payload>) -> usize {
        name.len() + args.len()
    }
}

fn main() {}
