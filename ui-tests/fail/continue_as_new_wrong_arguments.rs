use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Looper;

#[workflow]
impl Looper {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, iteration: u64) -> WorkflowResult<u64> {
        if iteration < 10 {
            return ctx
                .continue_as_new(Looper::run, (iteration + 1, "extra"))
                .await;
        }
        Ok(iteration)
    }
}

fn main() {}
