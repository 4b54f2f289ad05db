use workflow_runtime::prelude::*;

pub struct Order {
    item: String,
}

#[workflow]
impl Order {
    #[init]
    fn new(item: &String) -> Option<Self> {
        Some(Self { item: item.clone() })
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        let _ = item;
        Ok(ctx.state(|s| s.item.clone()))
    }
}

pub struct Quiet {
    item: String,
}

#[workflow]
impl Quiet {
    #[init]
    fn new(item: &String) {
        let _ = item;
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        let _ = item;
        Ok(ctx.state(|s| s.item.clone()))
    }
}

fn main() {}
