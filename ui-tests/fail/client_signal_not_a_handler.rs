use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Approval {
    approved: Option<bool>,
}

#[workflow]
impl Approval {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        ctx.wait_condition(|s| s.approved.is_some()).await?;
        Ok(ctx.state(|s| s.approved == Some(true)))
    }

    #[signal]
    pub fn approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }

    // The shape of a signal handler, but not marked `#[signal]`: the worker has no handler for
    // it, so naming it as a signal cannot compile.
    pub fn approve_later(&mut self, approved: bool) {
        self.approved = Some(approved);
    }
}

#[derive(Default)]
pub struct Sender;

#[workflow]
impl Sender {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.external_workflow::<Approval>("approval-1")
            .signal(Approval::approve_later, true)
            .await?;
        Ok(())
    }
}

async fn approve(handle: WorkflowHandle<Approval>) {
    let _ = handle.signal(Approval::approve_later, true).await;
}

fn main() {}
