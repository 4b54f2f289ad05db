use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Target {
    approved: bool,
}

#[workflow]
impl Target {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        ctx.wait_condition(|s| s.approved).await?;
        Ok(true)
    }

    #[signal]
    fn approve(&mut self, approved: bool) {
        self.approved = approved;
    }
}

#[derive(Default)]
pub struct Sender;

#[workflow]
impl Sender {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.external_workflow::<Target>("target-1")
            .signal(Target::approve, "yes")
            .await?;
        Ok(())
    }
}

fn main() {}
