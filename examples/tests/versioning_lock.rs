//! The examples' versioning lock (`examples/versioning.lock`): a change to the commands of an
//! example workflow fails here unless it comes with a new patch id (docs/versioning.md).

use examples::{
    approval_workflow::ApprovalWorkflow, batch_workflow::OrderBatchWorkflow,
    hourly_workflow::Hourly, order_workflow::OrderWorkflow, recursive_workflow::RecursiveWorkflow,
    reminders_workflow::ReminderWorkflow, saga_workflow::OrderSagaWorkflow,
    versioned_workflow::release_3::VersionedWorkflow,
};
use workflow_runtime::testing::VersioningLock;

#[test]
fn example_workflows_match_their_versioning_lock() {
    VersioningLock::at(concat!(env!("CARGO_MANIFEST_DIR"), "/versioning.lock"))
        .workflow::<ApprovalWorkflow>()
        .workflow::<OrderBatchWorkflow>()
        .workflow::<Hourly>()
        .workflow::<OrderWorkflow>()
        .workflow::<RecursiveWorkflow>()
        .workflow::<ReminderWorkflow>()
        .workflow::<OrderSagaWorkflow>()
        .workflow::<VersionedWorkflow>()
        .check();
}
