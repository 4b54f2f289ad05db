//! Deterministic Temporal workflows in plain Rust.
//!
//! Annotate an impl block with `#[workflow]` and async functions with `#[activity]`; register
//! them on a [`Worker`]; start workflows with a [`Client`]. Workers run on Temporal's core
//! engine (`temporalio-sdk-core`) and talk to any Temporal server: the local dev server
//! (`testing::DevServer`, with the `testing` feature), a self-hosted cluster or Temporal Cloud
//! ([`ClientOptions::from_env`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use workflow_runtime::prelude::*;
//!
//! #[activity]
//! async fn greet(_ctx: ActivityContext, name: String) -> Result<String, ActivityError> {
//!     Ok(format!("Hello, {name}!"))
//! }
//!
//! #[derive(Default)]
//! pub struct Greeting;
//!
//! #[workflow]
//! impl Greeting {
//!     #[run]
//!     async fn run(ctx: WorkflowContext<Self>, name: String) -> WorkflowResult<String> {
//!         ctx.sleep(Duration::from_secs(1)).await?;
//!         let greeting = ctx
//!             .activity(greet, name)
//!             .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
//!             .await?;
//!         Ok(greeting)
//!     }
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect(ClientOptions::from_env()?).await?;
//! let worker = Worker::new(&client, "greetings").workflow::<Greeting>().activity(greet);
//! let shutdown = worker.shutdown_handle();
//! let running = tokio::spawn(worker.run());
//! let greeting = client
//!     .execute(Greeting::run, "Temporal".into(), StartOptions::new("greet-1", "greetings"))
//!     .await?;
//! assert_eq!(greeting, "Hello, Temporal!");
//! shutdown.shutdown();
//! running.await??;
//! # Ok(()) }
//! ```
//!
//! Workflows that live long and compose: the workflow's cancellation reaches its code
//! ([`WorkflowContext::cancelled`], [`WorkflowContext::non_cancellable`]), children are typed
//! like activities ([`WorkflowContext::child`]), a loop continues as new
//! ([`WorkflowContext::continue_as_new`]), other workflows are signalled and cancelled by id
//! ([`WorkflowContext::external_workflow`]), activities and workflows of other languages are
//! called by name ([`WorkflowContext::activity_by_name`]), and a [`Saga`] undoes completed
//! steps. `docs/lifecycle.md` in the repository has the rules.
//!
//! Operating them ([`Client::list_workflows`], [`WorkflowHandle::describe`]): runs carry
//! typed [`SearchAttributes`] and a [`Memo`], start with the options operators expect
//! ([`StartOptions::id_conflict_policy`], [`StartOptions::cron_schedule`],
//! [`StartOptions::static_summary`], [`StartOptions::request_eager_start`]), and run on
//! [`Schedule`]s ([`Client::create_schedule`]). [`Telemetry::prometheus`] serves the worker's
//! and client's metrics under Temporal's names, and code records its own through
//! [`WorkflowContext::metric_meter`]. An [`Interceptor`] runs around client calls, workflow
//! calls and activity attempts; with the `opentelemetry` feature,
//! `opentelemetry::TracingInterceptor` traces them across languages. `docs/operating.md` in
//! the repository has the details.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc(hidden)]
pub mod __private;
mod activity;
mod attributes;
mod caught_panic;
mod client;
mod clock_probe;
pub mod codec;
mod convert;
mod deployment;
mod error;
mod executor;
mod foreign_text;
mod global_probe;
mod helper_probe;
mod history;
mod interceptor;
mod metrics;
mod now_running;
#[cfg(feature = "opentelemetry")]
pub mod opentelemetry;
mod options;
mod order_probe;
pub mod payload;
pub mod replay;
mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
mod worker;
mod workflow;

pub use activity::{
    Activity, ActivityContext, ActivityDefinition, ActivityFn, ActivityGroup, ActivityInfo,
    CancellationReason, FreeActivity, MethodActivity, TaskToken,
};
pub use attributes::{Memo, SearchAttributeKey, SearchAttributeValue, SearchAttributes};
pub use client::{
    ActivityState, AsyncActivityHandle, AsyncActivityId, AsyncHeartbeat, Client, ClientError,
    ClientOptions, PendingActivity, Schedule, ScheduleAction, ScheduleCalendar,
    ScheduleDescription, ScheduleHandle, ScheduleList, ScheduleOverlapPolicy, ScheduleSpec,
    ScheduleSummary, ScheduledRun, ServerStatus, StartOptions, StatusCode, UntypedUpdateHandle,
    UntypedWorkflowHandle, UpdateHandle, UpdateOptions, UpdateStage, WorkerDeployment,
    WorkflowDescription, WorkflowExecution, WorkflowHandle, WorkflowList, WorkflowStatus,
};
pub use deployment::{DeploymentVersion, VersioningBehavior};
pub use error::{
    ActivityError, ActivityFailed, Cancelled, ChildStartRefused, ChildWorkflowFailed,
    ExternalWorkflowFailed, FailureCause, FailureView, SagaFailed, TimeoutKind, UpdateFailed,
    WorkflowError, WorkflowFailed, WorkflowResult, failure_type,
};
pub use futures::future::{BoxFuture, Either};
pub use interceptor::{
    ActivityAttempt, ActivityNext, ActivityOutcome, ClientCall, ClientCallKind, ClientNext,
    ClientReply, Headers, Interceptor, RunOutcome, RunView, WorkflowInbound, WorkflowOutbound,
    WorkflowOutboundKind,
};
pub use metrics::{MetricCounter, MetricError, MetricGauge, MetricHistogram, MetricMeter};
pub use options::{
    ActivityCancellation, ActivityOptions, ChildCancellation, ChildWorkflowOptions,
    ContinueAsNewOptions, LocalActivityOptions, ParentClosePolicy, RetryPolicy,
    WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
};
pub use payload::{Proto, ProtoBinary};
pub use telemetry::{Telemetry, TelemetryError};
/// Temporal's protobuf types (payloads, failures, history events), for advanced uses.
pub use temporalio_common::protos;
pub use worker::{
    ConfigError, ReplayCheckError, RunningWorker, ShutdownHandle, Worker, WorkerError,
};
pub use workflow::{
    ActivityByName, ActivityCall, ActivityFuture, ActivityWithoutTimeout, CancellationScope,
    ChildCall, ChildFuture, ChildHandle, ChildResult, ChildStart, ContinueAsNew, ExternalCancel,
    ExternalSignal, ExternalWorkflowHandle, HandlerArgs, HandlerContext, InScope,
    LocalActivityCall, LocalActivityFuture, LocalActivityWithoutTimeout, ParentInfo, QueryFn,
    QueryMethod, Saga, SignalFn, SignalMethod, SignalOutput, Timer, UpdateFn, UpdateMethod,
    WorkflowByName, WorkflowContext, WorkflowDefinition, WorkflowInfo, WorkflowRunFn,
};
pub use workflow_macros::{
    activities, activity, allow_nondeterminism, deterministic, init, query, run, signal, update,
    workflow,
};

// Lets the runtime's own unit tests use the macros, whose generated code names
// `::workflow_runtime`.
#[cfg(test)]
extern crate self as workflow_runtime;

/// Everything a workflow or activity module needs: `use workflow_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::{
        ActivityCancellation, ActivityContext, ActivityError, ActivityFailed, ActivityOptions,
        CancellationScope, Cancelled, ChildWorkflowFailed, ChildWorkflowOptions, Client,
        ClientError, ClientOptions, ContinueAsNewOptions, Either, HandlerContext,
        LocalActivityOptions, Proto, ProtoBinary, RetryPolicy, RunningWorker, Saga, StartOptions,
        UpdateOptions, UpdateStage, Worker, WorkerError, WorkflowContext, WorkflowError,
        WorkflowHandle, WorkflowResult, activities, activity, allow_nondeterminism, deterministic,
        init, query, run, signal, update, workflow,
    };
}
