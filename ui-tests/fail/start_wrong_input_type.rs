use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Counter;

#[workflow]
impl Counter {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, from: u32) -> WorkflowResult<u32> {
        Ok(from)
    }
}

async fn start(client: Client) {
    let _ = client.start(Counter::run, "seven", StartOptions::new("id", "q")).await;
}

fn main() {}
