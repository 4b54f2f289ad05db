use workflow_runtime::prelude::*;

pub struct Receipt;

#[activity]
async fn charge(_ctx: ActivityContext, cents: u64) -> Result<Receipt, ActivityError> {
    Ok(Receipt)
}

fn main() {}
