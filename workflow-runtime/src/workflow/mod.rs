//! The workflow side: the traits `#[workflow]` implements, the context workflow code uses, the
//! futures it awaits, the handler table, and one run's state machine (activation jobs in,
//! commands out).
//!
//! Builds on the activity side (a workflow schedules activities by their definition); the
//! worker and the client build on it. Nothing here touches tokio or a clock: workflow code runs
//! on the deterministic [`executor`](crate::executor) on a plain thread.

pub(crate) mod by_name;
pub(crate) mod cancellation;
pub(crate) mod child;
pub(crate) mod context;
pub(crate) mod continue_as_new;
pub(crate) mod definition;
pub(crate) mod dispatch;
pub(crate) mod external;
pub(crate) mod fault;
pub(crate) mod futures;
pub(crate) mod handler_context;
pub(crate) mod handler_fn;
pub(crate) mod handlers;
pub(crate) mod info;
pub(crate) mod local_activity;
pub(crate) mod operations;
pub(crate) mod patches;
pub(crate) mod run;
pub(crate) mod saga;
pub(crate) mod shared;
#[cfg(test)]
mod tests;

pub use by_name::{ActivityByName, WorkflowByName};
pub use cancellation::{CancellationScope, InScope};
pub use child::{ChildCall, ChildFuture, ChildHandle, ChildResult, ChildStart};
pub use context::WorkflowContext;
pub use continue_as_new::ContinueAsNew;
pub use definition::{WorkflowDefinition, WorkflowRunFn};
pub use external::{ExternalCancel, ExternalSignal, ExternalWorkflowHandle};
pub use futures::{ActivityCall, ActivityFuture, ActivityWithoutTimeout, Timer};
pub use handler_context::HandlerContext;
pub use handler_fn::{
    HandlerArgs, QueryFn, QueryMethod, SignalFn, SignalMethod, UpdateFn, UpdateMethod,
};
pub use handlers::SignalOutput;
pub use info::{ParentInfo, WorkflowInfo};
pub use local_activity::{LocalActivityCall, LocalActivityFuture, LocalActivityWithoutTimeout};
pub use saga::Saga;
