//! Calls by name, for activities and workflows implemented in other languages: the type name
//! is a string and the arguments and result are JSON values.

use futures::future::LocalBoxFuture;
use serde_json::Value;

use std::rc::Rc;

use crate::{
    activity::definition::ActivityDefinition,
    error::WorkflowResult,
    payload::{Payload, PayloadError, decode, encode},
    workflow::{
        child::ChildCall, context::WorkflowContext, definition::WorkflowDefinition,
        futures::ActivityWithoutTimeout, handlers::Handlers,
    },
};

fn encode_all(arguments: &[Value]) -> Result<Vec<Payload>, PayloadError> {
    arguments.iter().map(encode).collect()
}

fn decode_all(payloads: &[Payload]) -> Result<Vec<Value>, PayloadError> {
    payloads.iter().map(decode).collect()
}

/// Stands for an activity called by name with JSON arguments (one value per parameter), as
/// made by [`WorkflowContext::activity_by_name`](crate::WorkflowContext::activity_by_name);
/// its result is a JSON value.
#[derive(Debug)]
pub struct ActivityByName;

impl ActivityDefinition for ActivityByName {
    // Never used on the wire: a call by name carries its own type name.
    const NAME: &'static str = "ActivityByName";
    type Input = Vec<Value>;
    type Output = Value;

    fn encode_input(input: &Vec<Value>) -> Result<Vec<Payload>, PayloadError> {
        encode_all(input)
    }

    fn decode_input(payloads: &[Payload]) -> Result<Vec<Value>, PayloadError> {
        decode_all(payloads)
    }
}

/// Stands for a child workflow started by name with JSON arguments, as made by
/// [`WorkflowContext::child_by_name`](crate::WorkflowContext::child_by_name); its result is a
/// JSON value. It has no handlers, so signal such a child with
/// [`ChildHandle::signal_by_name`](crate::ChildHandle::signal_by_name). It cannot run on a
/// worker: registering it with `Worker::workflow` is a compile error.
#[derive(Debug)]
pub struct WorkflowByName;

impl WorkflowDefinition for WorkflowByName {
    // Never used on the wire: a call by name carries its own type name.
    const NAME: &'static str = "WorkflowByName";
    const RUNS_ON_A_WORKER: bool = false;
    type Input = Vec<Value>;
    type Output = Value;

    fn initial_state(_input: &Vec<Value>) -> Self {
        WorkflowByName
    }

    fn encode_input(input: &Vec<Value>) -> Result<Vec<Payload>, PayloadError> {
        encode_all(input)
    }

    fn decode_input(payloads: &[Payload]) -> Result<Vec<Value>, PayloadError> {
        decode_all(payloads)
    }

    fn execute(
        _ctx: WorkflowContext<Self>,
        _input: Vec<Value>,
    ) -> LocalBoxFuture<'static, WorkflowResult<Value>> {
        // Registration refuses this type at compile time (`RUNS_ON_A_WORKER`), so no run of
        // it ever starts.
        Box::pin(std::future::pending())
    }

    fn handlers() -> &'static Handlers<Self> {
        static HANDLERS: std::sync::OnceLock<Handlers<WorkflowByName>> = std::sync::OnceLock::new();
        HANDLERS.get_or_init(Handlers::default)
    }
}

impl<W> WorkflowContext<W> {
    /// Calls an activity by its type name with JSON arguments (one value per parameter), for
    /// activities implemented in another language; the result is a JSON value. Set the
    /// options (and usually the other worker's task queue) as for [`activity`](Self::activity).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workflow_runtime::prelude::*;
    /// #[derive(Default)]
    /// pub struct Greeter;
    ///
    /// #[workflow]
    /// impl Greeter {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, name: String) -> WorkflowResult<String> {
    ///         let options = ActivityOptions::start_to_close(Duration::from_secs(10))
    ///             .task_queue("python-activities");
    ///         let greeting = ctx
    ///             .activity_by_name("compose_greeting", vec![serde_json::json!(name)])
    ///             .options(options)
    ///             .await?;
    ///         Ok(greeting.as_str().unwrap_or_default().to_owned())
    ///     }
    /// }
    /// ```
    pub fn activity_by_name(
        &self,
        activity_type: &str,
        arguments: Vec<serde_json::Value>,
    ) -> ActivityWithoutTimeout<ActivityByName> {
        ActivityWithoutTimeout::named(Rc::clone(self.shared()), Rc::from(activity_type), arguments)
    }

    /// Starts a child workflow by its type name with JSON arguments, for workflows implemented
    /// in another language; the result is a JSON value. Options and handles work as for
    /// [`child`](Self::child); signal such a child with
    /// [`ChildHandle::signal_by_name`](crate::ChildHandle::signal_by_name).
    pub fn child_by_name(
        &self,
        workflow_type: &str,
        arguments: Vec<serde_json::Value>,
    ) -> ChildCall<WorkflowByName> {
        ChildCall::named(Rc::clone(self.shared()), Rc::from(workflow_type), arguments)
    }
}
