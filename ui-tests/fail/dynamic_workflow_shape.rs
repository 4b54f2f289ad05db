use workflow_runtime::{payload::Payload, prelude::*};

#[derive(Default)]
pub struct NamedAndDynamic;

// A dynamic workflow runs every type without a workflow of its own: it has no name.
#[workflow(dynamic, name = "Orders")]
impl NamedAndDynamic {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, _args: Vec<Payload>) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
pub struct SpreadArguments;

// Its run takes the arguments as sent, in one `Vec<Payload>`.
#[workflow(dynamic)]
impl SpreadArguments {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, _count: u64, _label: String) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
