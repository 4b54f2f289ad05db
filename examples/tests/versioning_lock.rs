//! The examples' versioning lock (`examples/versioning.lock`): a change to the commands of an
//! example workflow fails here unless it comes with a new patch id (docs/versioning.md).

use workflow_runtime::testing::VersioningLock;

#[test]
fn example_workflows_match_their_versioning_lock() {
    examples::with_current_workflows!(VersioningLock::at(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/versioning.lock"
    )))
    .check();
}
