//! The lifecycle calls inside a `#[workflow]` impl pass the determinism check: cancellation,
//! scopes, children, continue-as-new, other workflows, calls by name and sagas.

use std::time::Duration;

use workflow_runtime::prelude::*;

#[activity]
async fn charge(_ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
    Ok(format!("txn-{cents}"))
}

#[activity]
async fn refund(_ctx: ActivityContext, transaction: String) -> Result<(), ActivityError> {
    let _ = transaction;
    Ok(())
}

#[derive(Default)]
pub struct Kid {
    pokes: u32,
}

#[workflow]
impl Kid {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, n: u32) -> WorkflowResult<u32> {
        ctx.wait_condition(|s| s.pokes > 0).await?;
        Ok(n)
    }

    #[signal]
    fn poke(&mut self) {
        self.pokes += 1;
    }
}

#[derive(Default)]
pub struct Lifecycle;

#[workflow]
impl Lifecycle {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, round: u32) -> WorkflowResult<u32> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(5))
            .cancellation(ActivityCancellation::WaitCancellationCompleted);
        let saga = Saga::new(&ctx);
        let total = saga
            .run(async {
                let transaction = ctx.activity(charge, 5).options(options.clone()).await?;
                saga.add_compensation("refund", ctx.activity(refund, transaction).options(options.clone()));
                let kid = ctx
                    .child(Kid::run, round)
                    .options(ChildWorkflowOptions::new().workflow_id("kid"))
                    .start()
                    .await?;
                kid.signal(Kid::poke, ()).await?;
                let mut timer = ctx.sleep(Duration::from_secs(1));
                if ctx.is_cancel_requested() {
                    timer.cancel();
                }
                match ctx.select(ctx.cancelled(), timer).await {
                    Either::Left(cancelled) => {
                        ctx.non_cancellable(ctx.sleep(Duration::from_secs(1))).await?;
                        return Err(cancelled.into());
                    }
                    Either::Right(fired) => fired?,
                }
                ctx.external_workflow::<Kid>("kid").signal(Kid::poke, ()).await?;
                ctx.external_workflow::<()>("other").cancel("done").await?;
                let by_name = ctx
                    .activity_by_name("py_activity", vec![serde_json::json!(1)])
                    .options(options.clone())
                    .await?;
                let _ = ctx.child_by_name("PyWorkflow", Vec::new()).await?;
                Ok(kid.result().await? + by_name.as_u64().unwrap_or(0) as u32)
            })
            .await?;
        if round < 3 && ctx.info().continue_as_new_suggested {
            return ctx.continue_as_new(Lifecycle::run, round + 1).await;
        }
        Ok(total)
    }
}

fn main() {}
