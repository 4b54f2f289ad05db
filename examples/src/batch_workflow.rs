//! A parent workflow: one `OrderWorkflow` child per order, all started in parallel, their
//! results gathered. Each child keeps its order id as its workflow id, so it can be queried,
//! updated or cancelled on its own while the batch waits.

use serde::{Deserialize, Serialize};
use workflow_runtime::prelude::*;

use crate::order_workflow::{OrderInput, OrderResult, OrderWorkflow};

/// The orders of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBatch {
    /// One child workflow each; the order id is the child's workflow id.
    pub orders: Vec<OrderInput>,
}

/// What became of each order of a batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// The orders that completed (or were cancelled by a `cancel_order` signal).
    pub completed: Vec<OrderResult>,
    /// The orders that failed, cancelled or timed out: order id and what happened.
    pub failed: Vec<(String, String)>,
}

/// The batch parent; it holds no state of its own.
#[derive(Debug, Default)]
pub struct OrderBatchWorkflow;

#[workflow]
impl OrderBatchWorkflow {
    /// Starts every order as a child, in parallel, and waits for all of them.
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        batch: OrderBatch,
    ) -> WorkflowResult<BatchSummary> {
        let ids: Vec<String> = batch.orders.iter().map(|o| o.order_id.clone()).collect();
        let children = batch.orders.into_iter().map(|order| {
            let options = ChildWorkflowOptions::new().workflow_id(order.order_id.clone());
            ctx.child(OrderWorkflow::run, order).options(options)
        });
        let outcomes = ctx.join_all(children).await;
        let mut summary = BatchSummary {
            completed: Vec::new(),
            failed: Vec::new(),
        };
        for (id, outcome) in ids.into_iter().zip(outcomes) {
            match outcome {
                Ok(result) => summary.completed.push(result),
                Err(failed) => summary.failed.push((id, failed.message().to_owned())),
            }
        }
        Ok(summary)
    }
}
