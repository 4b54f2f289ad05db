//! Continue-as-new: a run ends and the same workflow id starts over with a fresh history and a
//! new input, so a loop can outlive Temporal's history limits.

use std::{
    cell::RefCell,
    fmt,
    future::Future,
    marker::PhantomData,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use temporalio_common::protos::{
    coresdk::workflow_commands::workflow_command, temporal::api::common::v1::Payload,
};

use crate::{
    error::WorkflowError,
    options::ContinueAsNewOptions,
    payload::PayloadError,
    workflow::{
        context::WorkflowContext,
        definition::{WorkflowDefinition, WorkflowRunFn},
        shared::RunShared,
    },
};

impl<W> WorkflowContext<W> {
    /// Ends this run and starts a new run of a workflow (usually this one) under the same
    /// workflow id, with a fresh history: `return ctx.continue_as_new(Self::run, next).await;`.
    /// The input type is checked at compile time; `.options(..)` changes the task queue,
    /// timeouts, retry policy, memo or search attributes, and what is not set carries over.
    /// A client waiting on the workflow's result follows the chain to the last run.
    ///
    /// ```
    /// # use workflow_runtime::prelude::*;
    /// #[derive(Default)]
    /// pub struct Ticker;
    ///
    /// #[workflow]
    /// impl Ticker {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, ticks: u64) -> WorkflowResult<u64> {
    ///         if ticks < 3 {
    ///             return ctx.continue_as_new(Ticker::run, ticks + 1).await;
    ///         }
    ///         Ok(ticks)
    ///     }
    /// }
    /// ```
    pub fn continue_as_new<F, Args, T>(
        &self,
        _run: F,
        input: <F::Workflow as WorkflowDefinition>::Input,
    ) -> ContinueAsNew<T>
    where
        F: WorkflowRunFn<Args>,
    {
        ContinueAsNew::new(
            Rc::clone(self.shared()),
            <F::Workflow as WorkflowDefinition>::NAME,
            <F::Workflow as WorkflowDefinition>::encode_input(&input),
        )
    }
}

/// Ends this run and starts the next one; made by
/// [`WorkflowContext::continue_as_new`](crate::WorkflowContext::continue_as_new). Awaiting it
/// records the final command and never returns (the run ends); it resolves only with an error
/// when the input does not encode.
#[must_use = "the run continues as new only when this is awaited"]
pub struct ContinueAsNew<T> {
    shared: Rc<RefCell<RunShared>>,
    workflow_type: &'static str,
    arguments: Option<Result<Vec<Payload>, PayloadError>>,
    options: ContinueAsNewOptions,
    _output: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ContinueAsNew<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContinueAsNew")
            .field("workflow_type", &self.workflow_type)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T> ContinueAsNew<T> {
    pub(crate) fn new(
        shared: Rc<RefCell<RunShared>>,
        workflow_type: &'static str,
        arguments: Result<Vec<Payload>, PayloadError>,
    ) -> Self {
        Self {
            shared,
            workflow_type,
            arguments: Some(arguments),
            options: ContinueAsNewOptions::default(),
            _output: PhantomData,
        }
    }

    /// Changes what the next run starts with; unset options carry over.
    pub fn options(mut self, options: ContinueAsNewOptions) -> Self {
        self.options = options;
        self
    }
}

impl<T> Future for ContinueAsNew<T> {
    type Output = Result<T, WorkflowError>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(arguments) = self.arguments.take() else {
            return Poll::Pending;
        };
        let command = arguments.map(|arguments| {
            let shared = self.shared.borrow();
            self.options.command(
                self.workflow_type,
                arguments,
                (&shared.info.memo, &shared.info.search_attributes),
            )
        });
        match command {
            Ok(command) => {
                self.shared.borrow_mut().finish(
                    workflow_command::Variant::ContinueAsNewWorkflowExecution(command),
                );
                // The run ends with this command; nothing after the await runs.
                Poll::Pending
            }
            Err(e) => Poll::Ready(Err(WorkflowError::from(e))),
        }
    }
}
