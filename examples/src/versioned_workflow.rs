//! A payment workflow across three releases, the way a team changes workflow code while runs
//! are open (`docs/versioning.md`):
//!
//! 1. [`release_1`] charges through the legacy processor.
//! 2. [`release_2`] moves to the new processor behind `ctx.patched("new-processor")`, and keeps
//!    the legacy branch for the runs that started on release 1.
//! 3. [`release_3`] deprecates the patch once no open run needs the legacy branch.
//!
//! Every release registers under the same workflow name, `VersionedWorkflow`, so a worker of
//! the next release picks up the runs of the previous one. Each run charges, then waits for
//! `finish` before it returns the receipt, so a run can be left open across a deploy.

use std::time::Duration;

use workflow_runtime::{WorkflowDefinition, prelude::*};

/// The task queue of the example.
pub const TASK_QUEUE: &str = "versioned";

/// The patch that guards the move to the new processor.
pub const NEW_PROCESSOR: &str = "new-processor";

/// The processor every release before the patch used.
#[activity]
pub async fn legacy_processor(_ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
    Ok(format!("legacy:{cents}"))
}

/// The processor the patch moves to.
#[activity]
pub async fn new_processor(_ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
    Ok(format!("new:{cents}"))
}

fn charge_options() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(10))
}

/// The first release.
pub mod release_1 {
    use super::*;

    /// Charges through the legacy processor, then waits for `finish`.
    #[derive(Debug, Default)]
    pub struct VersionedWorkflow {
        finished: bool,
    }

    #[workflow(name = "VersionedWorkflow")]
    impl VersionedWorkflow {
        /// Charges `cents` and returns the receipt once finished.
        #[run]
        pub async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<String> {
            let receipt = ctx
                .activity(legacy_processor, cents)
                .options(charge_options())
                .await?;
            ctx.wait_condition(|s| s.finished).await?;
            Ok(receipt)
        }

        /// Lets the run return.
        #[signal]
        pub fn finish(&mut self) {
            self.finished = true;
        }
    }
}

/// The second release: the new processor, behind a patch.
pub mod release_2 {
    use super::*;

    /// Charges through the new processor, or the legacy one for runs that started before the
    /// patch, then waits for `finish`.
    #[derive(Debug, Default)]
    pub struct VersionedWorkflow {
        finished: bool,
    }

    #[workflow(name = "VersionedWorkflow")]
    impl VersionedWorkflow {
        /// Charges `cents` and returns the receipt once finished.
        #[run]
        pub async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<String> {
            let receipt = if ctx.patched(NEW_PROCESSOR) {
                ctx.activity(new_processor, cents)
                    .options(charge_options())
                    .await?
            } else {
                ctx.activity(legacy_processor, cents)
                    .options(charge_options())
                    .await?
            };
            ctx.wait_condition(|s| s.finished).await?;
            Ok(receipt)
        }

        /// Lets the run return.
        #[signal]
        pub fn finish(&mut self) {
            self.finished = true;
        }
    }
}

/// Release 2 as it would be without the patch: every run, old ones included, charges through
/// the new processor. A run started on release 1 recorded the legacy charge, so this code does
/// not replay it; the pre-deploy check (`examples/replay_check.rs`) rejects this release while
/// such a run is open.
pub mod release_2_unpatched {
    use super::*;

    /// Charges through the new processor, then waits for `finish`.
    #[derive(Debug, Default)]
    pub struct VersionedWorkflow {
        finished: bool,
    }

    #[workflow(name = "VersionedWorkflow")]
    impl VersionedWorkflow {
        /// Charges `cents` and returns the receipt once finished.
        #[run]
        pub async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<String> {
            let receipt = ctx
                .activity(new_processor, cents)
                .options(charge_options())
                .await?;
            ctx.wait_condition(|s| s.finished).await?;
            Ok(receipt)
        }

        /// Lets the run return.
        #[signal]
        pub fn finish(&mut self) {
            self.finished = true;
        }
    }
}

/// The third release, once no open run took the legacy branch: the patch is deprecated.
pub mod release_3 {
    use super::*;

    /// Charges through the new processor, then waits for `finish`.
    #[derive(Debug, Default)]
    pub struct VersionedWorkflow {
        finished: bool,
    }

    #[workflow(name = "VersionedWorkflow")]
    impl VersionedWorkflow {
        /// Charges `cents` and returns the receipt once finished.
        #[run]
        pub async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<String> {
            ctx.deprecate_patch(NEW_PROCESSOR);
            let receipt = ctx
                .activity(new_processor, cents)
                .options(charge_options())
                .await?;
            ctx.wait_condition(|s| s.finished).await?;
            Ok(receipt)
        }

        /// Lets the run return.
        #[signal]
        pub fn finish(&mut self) {
            self.finished = true;
        }
    }
}

/// A worker of one release, with both processors.
pub fn worker<W: WorkflowDefinition>(client: &Client, task_queue: &str) -> Worker {
    Worker::new(client, task_queue)
        .workflow::<W>()
        .activity(legacy_processor)
        .activity(new_processor)
}
