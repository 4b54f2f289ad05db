use workflow_runtime::{payload::{decode, Payload}, prelude::*};

#[derive(Default)]
pub struct AnyWorkflow;

#[workflow(dynamic)]
impl AnyWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, args: Vec<Payload>) -> WorkflowResult<String> {
        let first: String = decode(&args[0])?;
        Ok(format!("{} {first}", ctx.info().workflow_type))
    }
}
