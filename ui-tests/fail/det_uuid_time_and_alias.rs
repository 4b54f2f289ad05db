#![allow(unused)]
use uuid::{NoContext, Timestamp, Uuid as Id};

use workflow_runtime::prelude::*;

// UUIDs that embed the time or random bits, through every constructor and an alias.
#[derive(Default)]
pub struct Ids;

#[workflow]
impl Ids {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let order = Id::now_v7();
        let shipment = uuid::Uuid::now_v6(&[1, 2, 3, 4, 5, 6]);
        let stamp = Timestamp::now(NoContext);
        let invoice = Id::new_v7(stamp);
        let legacy = uuid::Uuid::new_v1(stamp, &[1, 2, 3, 4, 5, 6]);
        Ok(())
    }
}

fn main() {}
