use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Misplaced {
    notes: Vec<String>,
}

#[workflow]
impl Misplaced {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        Ok(ctx.state(|s| s.notes.len()))
    }

    // The context comes right after `self`.
    #[signal]
    pub fn note(&mut self, note: String, ctx: &HandlerContext) {
        self.notes.push(format!("{note} {:?}", ctx.now()));
    }

    // An async handler has its `WorkflowContext` already.
    #[signal]
    pub async fn later(ctx: WorkflowContext<Self>, handler: &HandlerContext) -> WorkflowResult<()> {
        let _ = (ctx, handler);
        Ok(())
    }
}

fn main() {}
