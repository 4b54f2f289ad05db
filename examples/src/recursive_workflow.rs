//! A workflow that calls itself: depth `n` starts a child of depth `n - 1` and returns its
//! result plus one, so depth `n` returns `n + 1`.

use workflow_runtime::prelude::*;

/// The recursive workflow; it holds no state.
#[derive(Debug, Default)]
pub struct RecursiveWorkflow;

#[workflow]
impl RecursiveWorkflow {
    /// Returns `depth + 1`, one child workflow per level.
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, depth: u32) -> WorkflowResult<u32> {
        if depth == 0 {
            return Ok(1);
        }
        let workflow_id = format!("{}-{}", ctx.info().workflow_id, depth - 1);
        let below = ctx
            .child(RecursiveWorkflow::run, depth - 1)
            .options(ChildWorkflowOptions::new().workflow_id(workflow_id))
            .await?;
        Ok(below + 1)
    }
}
