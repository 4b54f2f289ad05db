use workflow_runtime::prelude::*;

pub struct Order {
    item: String,
}

#[workflow]
impl Order {
    #[init]
    async fn new(item: &String) -> Self {
        Self { item: item.clone() }
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        let _ = item;
        Ok(ctx.state(|s| s.item.clone()))
    }
}

fn main() {}
