//! Example workflows: the order workflow of the main demo, the approval workflow and a durable
//! timer loop. Each `*_workflow` module holds a workflow with its activities and types; the demo
//! binary that runs it, if any, is the example of the same name without the suffix
//! (`examples/order.rs` runs `order_workflow`).

pub mod approval_workflow;
pub mod order_workflow;
pub mod reminders_workflow;
