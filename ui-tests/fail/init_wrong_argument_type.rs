use workflow_runtime::prelude::*;

pub struct Order {
    item: String,
    count: u32,
}

#[workflow]
impl Order {
    #[init]
    fn new(item: &u32, count: &u32) -> Self {
        Self {
            item: item.to_string(),
            count: *count,
        }
    }

    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        item: String,
        count: u32,
    ) -> WorkflowResult<String> {
        let _ = (item, count);
        Ok(ctx.state(|s| format!("{} x{}", s.item, s.count)))
    }
}

pub struct Single {
    count: u32,
}

#[workflow]
impl Single {
    #[init]
    fn new(count: &u32) -> Self {
        Self { count: *count }
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, count: String) -> WorkflowResult<u32> {
        let _ = count;
        Ok(ctx.state(|s| s.count))
    }
}

fn main() {}
