use workflow_runtime::prelude::*;

pub struct Payments;

impl Payments {
    #[activity]
    pub async fn charge(&self, _ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
        Ok(cents)
    }
}

fn main() {}
