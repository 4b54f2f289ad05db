//! The activity side: the traits the activity macros implement, the context an activity
//! receives, the registry of implementations and the execution of one activity task.
//!
//! Depends only on the leaves (payloads, errors, conversions); the workflow side and the worker
//! build on it.

pub(crate) mod context;
pub(crate) mod definition;
pub(crate) mod execute;
pub(crate) mod registry;

pub use context::{ActivityContext, ActivityInfo, CancellationReason, TaskToken};
pub use definition::{Activity, ActivityDefinition, ActivityFn, FreeActivity, MethodActivity};
pub use registry::{ActivityGroup, ActivityRegistry};
