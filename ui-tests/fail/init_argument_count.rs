use workflow_runtime::prelude::*;

pub struct Order {
    item: String,
}

#[workflow]
impl Order {
    #[init]
    fn new(item: &String) -> Self {
        Self { item: item.clone() }
    }

    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        item: String,
        count: u32,
    ) -> WorkflowResult<String> {
        let _ = (item, count);
        Ok(ctx.state(|s| s.item.clone()))
    }
}

pub struct Empty {
    item: String,
}

#[workflow]
impl Empty {
    #[init]
    fn new() -> Self {
        Self {
            item: String::new(),
        }
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        let _ = item;
        Ok(ctx.state(|s| s.item.clone()))
    }
}

fn main() {}
