//! The hourly loop of the testing guide: a workflow that calls an activity once an hour, and
//! the activity that counts its calls, so a test can skip two hours and find two ticks.

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use workflow_runtime::prelude::*;

/// Calls [`Ticks::tick`] once an hour, `hours` times, and returns `hours`.
#[derive(Debug, Default)]
pub struct Hourly;

#[workflow]
impl Hourly {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, hours: u32) -> WorkflowResult<u32> {
        for _ in 0..hours {
            ctx.sleep(Duration::from_secs(3600)).await?;
            ctx.activity(Ticks::tick, ())
                .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                .await?;
        }
        Ok(hours)
    }
}

/// Counts the ticks.
#[derive(Debug, Default)]
pub struct Ticks {
    count: AtomicU32,
}

impl Ticks {
    /// How many ticks so far.
    pub fn count(&self) -> u32 {
        self.count.load(Ordering::SeqCst)
    }
}

#[activities]
impl Ticks {
    /// One tick; returns the count so far.
    #[activity]
    pub async fn tick(&self, _ctx: ActivityContext) -> Result<u32, ActivityError> {
        Ok(self.count.fetch_add(1, Ordering::SeqCst) + 1)
    }
}
