use workflow_runtime::prelude::*;

pub struct Order {
    pub id: u32,
}

#[derive(Default)]
pub struct Orders;

#[workflow]
impl Orders {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, order: Order) -> WorkflowResult<u32> {
        Ok(order.id)
    }
}

fn main() {}
