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

    #[query]
    pub fn approved(&self) -> Option<bool> {
        self.approved
    }
}

#[derive(Default)]
pub struct Invoice {
    paid: bool,
}

#[workflow]
impl Invoice {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        Ok(true)
    }

    #[query]
    pub fn paid(&self) -> bool {
        self.paid
    }
}

async fn ask(handle: WorkflowHandle<Approval>) {
    let _ = handle.query(Invoice::paid, ()).await;
}

fn main() {}
