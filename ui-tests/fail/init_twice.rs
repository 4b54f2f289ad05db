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

    #[init]
    fn again(item: &String) -> Self {
        Self {
            item: item.to_uppercase(),
        }
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        let _ = item;
        Ok(ctx.state(|s| s.item.clone()))
    }
}

fn main() {}
