use workflow_runtime::prelude::*;

pub struct Order {
    item: String,
    count: u32,
}

#[workflow]
impl Order {
    #[init]
    fn new(item: String, count: &mut u32) -> Self {
        Self {
            item,
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

fn main() {}
