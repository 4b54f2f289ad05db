//! Child workflows: started from workflow code and typed by the child's `#[run]` method, like
//! activities.

use futures::future::FusedFuture;
use std::{
    cell::RefCell,
    fmt,
    future::{Future, IntoFuture},
    marker::PhantomData,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use temporalio_common::protos::{
    coresdk::{
        child_workflow::{
            ChildWorkflowResult, StartChildWorkflowExecutionFailedCause, child_workflow_result,
        },
        workflow_activation::resolve_child_workflow_execution_start::Status as StartStatus,
        workflow_commands::workflow_command,
    },
    temporal::api::failure::v1::Failure,
};

use crate::{
    error::{
        ChildStartRefused, ChildWorkflowFailed, Retry, application_failure, cancelled_failure,
        failure_type, received,
    },
    options::{ChildDefaults, ChildWorkflowOptions},
    payload::decode_result,
    workflow::{
        context::WorkflowContext,
        definition::{WorkflowDefinition, WorkflowRunFn},
        external::{ExternalSignal, SignalTarget},
        handler_fn::{HandlerArgs, SignalFn},
        operations::{self as op, ChildSlots, Seq},
        shared::{RunShared, SlotRef, new_slot, peek_slot, poll_slot},
    },
};

impl<W> WorkflowContext<W> {
    /// Calls a child workflow by its `#[run]` method; `.await` starts it and waits for its
    /// result, `.start().await` waits only for the start and gives a
    /// [`ChildHandle`](crate::ChildHandle) to signal, cancel and await it. `.options(..)` sets
    /// the workflow id (a deterministic random UUID by default), task queue (the parent's by
    /// default), timeouts, retry policy, parent close policy, cancellation type, id reuse
    /// policy and memo. The input type is checked at compile time.
    ///
    /// ```
    /// # use workflow_runtime::prelude::*;
    /// #[derive(Default)]
    /// pub struct Countdown;
    ///
    /// #[workflow]
    /// impl Countdown {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, depth: u32) -> WorkflowResult<u32> {
    ///         if depth == 0 {
    ///             return Ok(1);
    ///         }
    ///         let below = ctx.child(Countdown::run, depth - 1).await?;
    ///         Ok(below + 1)
    ///     }
    /// }
    /// ```
    pub fn child<F, Args>(
        &self,
        _run: F,
        input: <F::Workflow as WorkflowDefinition>::Input,
    ) -> ChildCall<F::Workflow>
    where
        F: WorkflowRunFn<Args>,
    {
        ChildCall::new(Rc::clone(self.shared()), input)
    }
}

/// A child workflow call, returned by [`WorkflowContext::child`](crate::WorkflowContext::child):
/// `.await` starts the child and waits for its result; [`start`](Self::start) waits only for
/// the start and gives a [`ChildHandle`].
#[must_use = "a child workflow does nothing unless awaited or started"]
pub struct ChildCall<C: WorkflowDefinition> {
    shared: Rc<RefCell<RunShared>>,
    workflow_type: Rc<str>,
    input: C::Input,
    options: ChildWorkflowOptions,
}

impl<C: WorkflowDefinition> fmt::Debug for ChildCall<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildCall")
            .field("workflow_type", &self.workflow_type)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<C: WorkflowDefinition> ChildCall<C> {
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, input: C::Input) -> Self {
        Self::named(shared, Rc::from(C::NAME), input)
    }

    /// A child of workflow type `workflow_type`, whatever `C::NAME` says (calls by name).
    pub(crate) fn named(
        shared: Rc<RefCell<RunShared>>,
        workflow_type: Rc<str>,
        input: C::Input,
    ) -> Self {
        Self {
            shared,
            workflow_type,
            input,
            options: ChildWorkflowOptions::default(),
        }
    }

    /// Sets the child's workflow id, task queue, timeouts, retry policy, parent close policy,
    /// cancellation type, id reuse policy and memo.
    pub fn options(mut self, options: ChildWorkflowOptions) -> Self {
        self.options = options;
        self
    }

    /// Starts the child; resolves once the server started it, with a handle to signal, cancel
    /// and await it, or with a [`ChildWorkflowFailed`] whose
    /// [`start_refused`](ChildWorkflowFailed::start_refused) says why it did not start.
    pub fn start(self) -> ChildStart<C> {
        ChildStart {
            shared: self.shared,
            workflow_type: self.workflow_type,
            request: Some((self.input, self.options)),
            started: None,
            _child: PhantomData,
        }
    }
}

impl<C: WorkflowDefinition> IntoFuture for ChildCall<C> {
    type Output = Result<C::Output, ChildWorkflowFailed>;
    type IntoFuture = ChildFuture<C>;

    fn into_future(self) -> ChildFuture<C> {
        ChildFuture {
            start: self.start(),
            running: None,
        }
    }
}

/// The identity of a started (or starting) child.
struct Started {
    seq: Seq<op::Child>,
    workflow_id: String,
    start: SlotRef<StartStatus>,
    result: SlotRef<ChildWorkflowResult>,
}

fn refused(
    workflow_type: &str,
    workflow_id: &str,
    refused: Option<ChildStartRefused>,
    failure: Failure,
) -> ChildWorkflowFailed {
    ChildWorkflowFailed {
        workflow_type: workflow_type.to_owned(),
        workflow_id: workflow_id.to_owned(),
        start_refused: refused,
        failure: received(failure),
    }
}

/// Sends the start command; errors (an input that does not encode, a cancellation already
/// requested) come back without a command.
fn send_start<C: WorkflowDefinition>(
    shared: &RefCell<RunShared>,
    workflow_type: &str,
    input: &C::Input,
    options: ChildWorkflowOptions,
) -> Result<Started, ChildWorkflowFailed> {
    let mut shared = shared.borrow_mut();
    let workflow_id = match options.workflow_id.clone() {
        Some(id) => id,
        None => {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&shared.rng.next_u64().to_le_bytes());
            bytes[8..].copy_from_slice(&shared.rng.next_u64().to_le_bytes());
            uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string()
        }
    };
    if let Some(cancelled) = shared.cancellation_here() {
        return Err(refused(
            workflow_type,
            &workflow_id,
            None,
            cancelled_failure(format!("child workflow not started: {cancelled}")),
        ));
    }
    let encode_error = |message: String| {
        refused(
            workflow_type,
            &workflow_id,
            None,
            application_failure(
                failure_type::PAYLOAD_ERROR,
                &message,
                Retry::NonRetryable,
                None,
            ),
        )
    };
    let arguments = C::encode_input(input).map_err(|e| encode_error(e.message().to_owned()))?;
    let start = new_slot();
    let result = new_slot();
    let slots = ChildSlots {
        start: Rc::clone(&start),
        result: Rc::clone(&result),
    };
    let metadata = options.run.user_metadata();
    let seq = shared.schedule_described(slots, metadata, |seq, info| {
        workflow_command::Variant::StartChildWorkflowExecution(options.start_command(
            seq.get(),
            workflow_id.clone(),
            workflow_type,
            arguments,
            ChildDefaults {
                namespace: &info.namespace,
                task_queue: &info.task_queue,
            },
        ))
    });
    Ok(Started {
        seq,
        workflow_id,
        start,
        result,
    })
}

/// Sends the child's cancel command (at most once; nothing once it ended).
fn cancel_child(shared: &RefCell<RunShared>, seq: Seq<op::Child>, reason: &str) {
    if let Ok(mut shared) = shared.try_borrow_mut() {
        shared.cancel(seq, reason);
    }
}

/// A child workflow being started; resolves with its [`ChildHandle`] once the server started
/// it. Dropping it before then cancels the child.
#[must_use = "a child workflow does nothing unless awaited"]
pub struct ChildStart<C: WorkflowDefinition> {
    shared: Rc<RefCell<RunShared>>,
    workflow_type: Rc<str>,
    request: Option<(C::Input, ChildWorkflowOptions)>,
    started: Option<Started>,
    _child: PhantomData<fn() -> C>,
}

impl<C: WorkflowDefinition> fmt::Debug for ChildStart<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStart")
            .field("workflow_type", &self.workflow_type)
            .finish_non_exhaustive()
    }
}

impl<C: WorkflowDefinition> Unpin for ChildStart<C> {}

impl<C: WorkflowDefinition> Future for ChildStart<C> {
    type Output = Result<ChildHandle<C>, ChildWorkflowFailed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some((input, options)) = self.request.take() {
            match send_start::<C>(&self.shared, &self.workflow_type, &input, options) {
                Ok(started) => self.started = Some(started),
                Err(failed) => return Poll::Ready(Err(failed)),
            }
        }
        let Some(started) = &self.started else {
            return Poll::Pending;
        };
        let status = match poll_slot(&started.start, cx) {
            Poll::Ready(status) => status,
            Poll::Pending => return Poll::Pending,
        };
        let Some(started) = self.started.take() else {
            return Poll::Pending;
        };
        Poll::Ready(match status {
            StartStatus::Succeeded(success) => Ok(ChildHandle {
                shared: Rc::clone(&self.shared),
                workflow_type: Rc::clone(&self.workflow_type),
                seq: started.seq,
                workflow_id: started.workflow_id,
                run_id: success.run_id,
                result: started.result,
                _child: PhantomData,
            }),
            StartStatus::Failed(failed) => {
                self.shared.borrow_mut().forget(started.seq);
                let already_exists = failed.cause
                    == StartChildWorkflowExecutionFailedCause::WorkflowAlreadyExists as i32;
                let (reason, message) = if already_exists {
                    (
                        ChildStartRefused::AlreadyExists,
                        "a workflow with this id is already running".to_owned(),
                    )
                } else {
                    (
                        ChildStartRefused::Other,
                        format!("the server refused to start it (cause {})", failed.cause),
                    )
                };
                Err(refused(
                    &self.workflow_type,
                    &started.workflow_id,
                    Some(reason),
                    application_failure(
                        failure_type::CHILD_WORKFLOW_START_FAILED,
                        &message,
                        Retry::NonRetryable,
                        None,
                    ),
                ))
            }
            StartStatus::Cancelled(cancelled) => {
                self.shared.borrow_mut().forget(started.seq);
                Err(refused(
                    &self.workflow_type,
                    &started.workflow_id,
                    None,
                    cancelled.failure.unwrap_or_else(|| {
                        cancelled_failure(
                            "the child workflow was cancelled before it started".into(),
                        )
                    }),
                ))
            }
        })
    }
}

/// Finished once it returned the handle or the refusal.
impl<C: WorkflowDefinition> FusedFuture for ChildStart<C> {
    fn is_terminated(&self) -> bool {
        self.request.is_none() && self.started.is_none()
    }
}

impl<C: WorkflowDefinition> Drop for ChildStart<C> {
    fn drop(&mut self) {
        if let Some(started) = &self.started {
            cancel_child(
                &self.shared,
                started.seq,
                "the parent dropped the child's start",
            );
        }
    }
}

/// A started child workflow: signal it, cancel it, await its result.
pub struct ChildHandle<C: WorkflowDefinition> {
    shared: Rc<RefCell<RunShared>>,
    workflow_type: Rc<str>,
    seq: Seq<op::Child>,
    workflow_id: String,
    run_id: String,
    result: SlotRef<ChildWorkflowResult>,
    _child: PhantomData<fn() -> C>,
}

impl<C: WorkflowDefinition> fmt::Debug for ChildHandle<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildHandle")
            .field("workflow_type", &self.workflow_type)
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl<C: WorkflowDefinition> ChildHandle<C> {
    /// The child's workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The child's first run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Sends the child a signal, naming its `#[signal]` method; resolves once the server
    /// delivered it.
    pub fn signal<F: SignalFn<C>>(
        &self,
        signal: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> ExternalSignal {
        ExternalSignal::typed(
            signal,
            Rc::clone(&self.shared),
            self.workflow_id.clone(),
            SignalTarget::Child(self.workflow_id.clone()),
            &input,
        )
    }

    /// Sends the child a signal by its wire name with JSON arguments (one per parameter of the
    /// child's handler), for children written in other languages.
    pub fn signal_by_name(
        &self,
        signal_name: &str,
        arguments: Vec<serde_json::Value>,
    ) -> ExternalSignal {
        ExternalSignal::by_name(
            Rc::clone(&self.shared),
            self.workflow_id.clone(),
            SignalTarget::Child(self.workflow_id.clone()),
            signal_name,
            &arguments,
        )
    }

    /// Requests the child's cancellation; [`result`](Self::result) then resolves as the
    /// child's [`ChildCancellation`](crate::ChildCancellation) says.
    pub fn cancel(&self) {
        cancel_child(&self.shared, self.seq, "the parent cancelled the child");
    }

    /// Waits for the child's result. It can be awaited more than once.
    pub fn result(&self) -> ChildResult<C> {
        ChildResult {
            workflow_type: Rc::clone(&self.workflow_type),
            slot: Rc::clone(&self.result),
            workflow_id: self.workflow_id.clone(),
            _child: PhantomData,
        }
    }
}

/// A child's result; made by [`ChildHandle::result`].
#[must_use = "a child's result is not waited for unless awaited"]
pub struct ChildResult<C: WorkflowDefinition> {
    workflow_type: Rc<str>,
    slot: SlotRef<ChildWorkflowResult>,
    workflow_id: String,
    _child: PhantomData<fn() -> C>,
}

impl<C: WorkflowDefinition> fmt::Debug for ChildResult<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildResult")
            .field("workflow_type", &self.workflow_type)
            .field("workflow_id", &self.workflow_id)
            .finish_non_exhaustive()
    }
}

impl<C: WorkflowDefinition> Future for ChildResult<C> {
    type Output = Result<C::Output, ChildWorkflowFailed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Cloned, not taken, so the handle's result can be awaited again.
        peek_slot(&self.slot, cx)
            .map(|result| child_outcome::<C>(&self.workflow_type, &self.workflow_id, result))
    }
}

fn child_outcome<C: WorkflowDefinition>(
    workflow_type: &str,
    workflow_id: &str,
    result: ChildWorkflowResult,
) -> Result<C::Output, ChildWorkflowFailed> {
    let failed = |failure: Option<Failure>, fallback: &str| {
        refused(
            workflow_type,
            workflow_id,
            None,
            failure.unwrap_or_else(|| {
                application_failure(
                    failure_type::ACTIVITY_FAILED,
                    fallback,
                    Retry::NonRetryable,
                    None,
                )
            }),
        )
    };
    match result.status {
        Some(child_workflow_result::Status::Completed(success)) => {
            decode_result(success.result.as_ref()).map_err(|e| {
                failed(
                    Some(application_failure(
                        failure_type::PAYLOAD_ERROR,
                        &format!(
                            "result of child workflow `{workflow_type}`: {}",
                            e.message()
                        ),
                        Retry::NonRetryable,
                        None,
                    )),
                    "",
                )
            })
        }
        Some(child_workflow_result::Status::Failed(failure)) => {
            Err(failed(failure.failure, "child workflow failed"))
        }
        Some(child_workflow_result::Status::Cancelled(cancel)) => {
            Err(failed(cancel.failure, "child workflow cancelled"))
        }
        None => Err(failed(
            None,
            "core sent a child workflow result without an outcome",
        )),
    }
}

/// A child workflow call being awaited: start, then result. Dropping it before the child
/// ends cancels the child.
#[must_use = "a child workflow does nothing unless awaited"]
pub struct ChildFuture<C: WorkflowDefinition> {
    start: ChildStart<C>,
    running: Option<(ChildHandle<C>, ChildResult<C>)>,
}

impl<C: WorkflowDefinition> fmt::Debug for ChildFuture<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildFuture")
            .field("workflow_type", &self.start.workflow_type)
            .finish_non_exhaustive()
    }
}

impl<C: WorkflowDefinition> Unpin for ChildFuture<C> {}

impl<C: WorkflowDefinition> Future for ChildFuture<C> {
    type Output = Result<C::Output, ChildWorkflowFailed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.running.is_none() {
            match Pin::new(&mut self.start).poll(cx) {
                Poll::Ready(Ok(handle)) => {
                    let result = handle.result();
                    self.running = Some((handle, result));
                }
                Poll::Ready(Err(failed)) => return Poll::Ready(Err(failed)),
                Poll::Pending => return Poll::Pending,
            }
        }
        match &mut self.running {
            Some((_, result)) => {
                let outcome = Pin::new(result).poll(cx);
                if outcome.is_ready() {
                    self.running = None;
                }
                outcome
            }
            None => Poll::Pending,
        }
    }
}

/// Finished once it returned the child's outcome (or its refusal to start).
impl<C: WorkflowDefinition> FusedFuture for ChildFuture<C> {
    fn is_terminated(&self) -> bool {
        self.start.is_terminated() && self.running.is_none()
    }
}

impl<C: WorkflowDefinition> Drop for ChildFuture<C> {
    fn drop(&mut self) {
        if let Some((handle, _)) = &self.running {
            cancel_child(
                &handle.shared,
                handle.seq,
                "the parent dropped the child's result",
            );
        }
    }
}
