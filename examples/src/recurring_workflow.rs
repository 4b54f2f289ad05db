//! A recurring job driven by a schedule: each run purges the carts that expired since the
//! last one and returns how many went. The schedule, not the workflow, decides when it runs
//! (`examples/scheduled.rs`, `docs/operating.md`).

use std::time::Duration;

use workflow_runtime::{Schedule, ScheduleAction, ScheduleOverlapPolicy, ScheduleSpec, prelude::*};

/// The task queue of the example.
pub const TASK_QUEUE: &str = "recurring";

/// Purges the carts that expired before `cutoff_hours` ago; returns how many.
#[activity]
pub async fn purge_expired_carts(
    _ctx: ActivityContext,
    cutoff_hours: u32,
) -> Result<u32, ActivityError> {
    Ok(cutoff_hours * 2)
}

/// One purge.
#[derive(Debug, Default)]
pub struct CartCleanup;

#[workflow]
impl CartCleanup {
    /// Purges carts older than `cutoff_hours`.
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, cutoff_hours: u32) -> WorkflowResult<u32> {
        Ok(ctx
            .activity(purge_expired_carts, cutoff_hours)
            .options(ActivityOptions::start_to_close(Duration::from_secs(30)))
            .await?)
    }
}

/// The schedule: every `every`, purge carts older than a day; a purge still running when the
/// next is due makes the next one wait.
pub fn cleanup_schedule(every: Duration, workflow_id: &str) -> Result<Schedule, ClientError> {
    let action = ScheduleAction::start_workflow(
        CartCleanup::run,
        24,
        StartOptions::new(workflow_id, TASK_QUEUE),
    )?;
    Ok(Schedule::new(action, ScheduleSpec::every(every)).overlap(ScheduleOverlapPolicy::BufferOne))
}

/// A worker for the cleanup.
pub fn worker(client: &Client) -> Worker {
    Worker::new(client, TASK_QUEUE)
        .workflow::<CartCleanup>()
        .activity(purge_expired_carts)
}
