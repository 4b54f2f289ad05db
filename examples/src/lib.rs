//! Example workflows: the order workflow of the main demo, the approval workflow, a durable
//! timer loop that continues as new, a parent of order workflows, a recursive workflow, an
//! order saga, the hourly loop of the testing guide, a cart cleanup driven by a schedule and a
//! workflow across three releases (patched, then deprecated). Each `*_workflow` module holds a workflow with its activities and types; the demo
//! binary that runs it, if any, is the example of the same name without the suffix
//! (`examples/order.rs` runs `order_workflow`).

pub mod approval_workflow;
pub mod batch_workflow;
pub mod encryption;
pub mod hourly_workflow;
pub mod order_workflow;
pub mod recurring_workflow;
pub mod recursive_workflow;
pub mod reminders_workflow;
pub mod saga_workflow;
pub mod versioned_workflow;

/// The flags that run Debian's Chromium headless on a machine with a closed network, for the
/// `ui-screenshot` program and the tests that read the web UI's pages: no sandbox (it runs as
/// root), and no background calls to Google's hosts, which the closed network refuses.
pub const HEADLESS_CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Logs to standard error for the demo binaries: `RUST_LOG` when set, `default_filter`
/// otherwise.
pub fn init_logging(default_filter: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .init();
}

/// Registers every example workflow, each in its current release, on a builder with
/// `.workflow::<W>()` (a `Replayer`, a `VersioningLock`): the one list that the replay check
/// (`src/bin/replay_check.rs`) and the versioning lock (`tests/versioning_lock.rs`) share, so a
/// new example is covered by both.
#[macro_export]
macro_rules! with_current_workflows {
    ($builder:expr) => {
        $builder
            .workflow::<$crate::approval_workflow::ApprovalWorkflow>()
            .workflow::<$crate::batch_workflow::OrderBatchWorkflow>()
            .workflow::<$crate::hourly_workflow::Hourly>()
            .workflow::<$crate::order_workflow::OrderWorkflow>()
            .workflow::<$crate::recurring_workflow::CartCleanup>()
            .workflow::<$crate::recursive_workflow::RecursiveWorkflow>()
            .workflow::<$crate::reminders_workflow::ReminderWorkflow>()
            .workflow::<$crate::saga_workflow::OrderSagaWorkflow>()
            .workflow::<$crate::versioned_workflow::release_3::VersionedWorkflow>()
    };
}
