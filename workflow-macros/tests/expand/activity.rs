use workflow_runtime::prelude::*;

#[activity(name = "charge")]
pub async fn charge_payment(
    _ctx: ActivityContext,
    customer: String,
    cents: u64,
) -> Result<String, ActivityError> {
    Ok(format!("{customer}:{cents}"))
}
