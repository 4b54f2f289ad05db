//! Signalling and cancelling other workflows from workflow code: by workflow id (any workflow,
//! in any language) or through a child's handle.

use futures::future::FusedFuture;
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
    coresdk::{
        common::NamespacedWorkflowExecution,
        workflow_commands::{
            RequestCancelExternalWorkflowExecution, SignalExternalWorkflowExecution,
            signal_external_workflow_execution::Target, workflow_command,
        },
    },
    temporal::api::failure::v1::Failure,
};

use crate::{
    error::{ExternalWorkflowFailed, Retry, application_failure, failure_type, received},
    payload::{Payload, PayloadError},
    workflow::{
        context::WorkflowContext,
        definition::WorkflowDefinition,
        handler_fn::{HandlerArgs, SignalFn},
        operations::{self as op, Seq},
        shared::{RunShared, SlotRef, new_slot, poll_slot},
    },
};

impl<W> WorkflowContext<W> {
    /// Another workflow, by workflow id, to signal or cancel from workflow code. `T` is its
    /// workflow type when it is written in Rust (signals are then named by method and
    /// type-checked); for a workflow in another language use `external_workflow::<()>` and
    /// [`signal_by_name`](ExternalWorkflowHandle::signal_by_name).
    pub fn external_workflow<T>(
        &self,
        workflow_id: impl Into<String>,
    ) -> ExternalWorkflowHandle<T> {
        ExternalWorkflowHandle::new(Rc::clone(self.shared()), workflow_id.into())
    }
}

/// Another workflow, named by id, that workflow code can signal or cancel; made by
/// [`WorkflowContext::external_workflow`](crate::WorkflowContext::external_workflow).
///
/// `T` is the target's workflow type when it is written in Rust (signals are then named by
/// their `#[signal]` method and type-checked); use
/// [`signal_by_name`](Self::signal_by_name) for workflows written in other languages.
pub struct ExternalWorkflowHandle<T> {
    shared: Rc<RefCell<RunShared>>,
    workflow_id: String,
    run_id: String,
    _target: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ExternalWorkflowHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalWorkflowHandle")
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl<T> ExternalWorkflowHandle<T> {
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, workflow_id: String) -> Self {
        Self {
            shared,
            workflow_id,
            run_id: String::new(),
            _target: PhantomData,
        }
    }

    /// Targets one run of the workflow (the latest run by default).
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = run_id.into();
        self
    }

    /// The target's workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    fn execution(&self) -> NamespacedWorkflowExecution {
        NamespacedWorkflowExecution {
            namespace: self.shared.borrow().info.namespace.clone(),
            workflow_id: self.workflow_id.clone(),
            run_id: self.run_id.clone(),
        }
    }

    /// Sends a signal by its wire name with JSON arguments (one per parameter of the target's
    /// handler), for workflows written in other languages. Resolves once the server delivered
    /// it, or with an [`ExternalWorkflowFailed`] (for example, no running workflow has the id).
    pub fn signal_by_name(
        &self,
        signal_name: &str,
        arguments: Vec<serde_json::Value>,
    ) -> ExternalSignal {
        ExternalSignal::by_name(
            Rc::clone(&self.shared),
            self.workflow_id.clone(),
            SignalTarget::Execution(self.execution()),
            signal_name,
            &arguments,
        )
    }

    /// Requests the workflow's cancellation. Resolves once the server recorded the request
    /// (the target decides what to do with it), or with an [`ExternalWorkflowFailed`] if the
    /// workflow was not found.
    pub fn cancel(&self, reason: &str) -> ExternalCancel {
        ExternalCancel::new(
            Rc::clone(&self.shared),
            self.workflow_id.clone(),
            self.execution(),
            reason.to_owned(),
        )
    }
}

impl<T: WorkflowDefinition> ExternalWorkflowHandle<T> {
    /// Sends a signal, naming its `#[signal]` method: `handle.signal(OrderWorkflow::approve,
    /// true)`; the argument types are checked at compile time.
    pub fn signal<F: SignalFn<T>>(
        &self,
        signal: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> ExternalSignal {
        ExternalSignal::typed(
            signal,
            Rc::clone(&self.shared),
            self.workflow_id.clone(),
            SignalTarget::Execution(self.execution()),
            &input,
        )
    }
}

/// Finished once it returned whether the cancellation was delivered.
impl FusedFuture for ExternalCancel {
    fn is_terminated(&self) -> bool {
        self.request.is_none() && self.sent.is_none()
    }
}

/// Where a signal goes: a child (by the id the parent gave it) or any workflow.
pub(crate) enum SignalTarget {
    Child(String),
    Execution(NamespacedWorkflowExecution),
}

fn local_failure(
    workflow_id: &str,
    operation: &'static str,
    error: &PayloadError,
) -> ExternalWorkflowFailed {
    ExternalWorkflowFailed {
        workflow_id: workflow_id.to_owned(),
        operation,
        failure: Box::new(application_failure(
            failure_type::PAYLOAD_ERROR,
            error.message(),
            Retry::NonRetryable,
            None,
        ))
        .into(),
    }
}

fn outcome(
    workflow_id: &str,
    operation: &'static str,
    failure: Option<Failure>,
) -> Result<(), ExternalWorkflowFailed> {
    match failure {
        None => Ok(()),
        Some(failure) => Err(ExternalWorkflowFailed {
            workflow_id: workflow_id.to_owned(),
            operation,
            failure: received(failure),
        }),
    }
}

/// A signal not yet sent: where it goes, its name and its arguments (or why they do not
/// encode).
type SignalRequest = (SignalTarget, Result<(String, Vec<Payload>), PayloadError>);

/// A signal to another workflow; resolves once the server delivered it. Dropping it before
/// then cancels the signal.
#[must_use = "a signal is not sent unless awaited"]
pub struct ExternalSignal {
    shared: Rc<RefCell<RunShared>>,
    workflow_id: String,
    request: Option<SignalRequest>,
    sent: Option<(Seq<op::ExternalSignal>, SlotRef<Option<Failure>>)>,
}

impl fmt::Debug for ExternalSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalSignal")
            .field("workflow_id", &self.workflow_id)
            .finish_non_exhaustive()
    }
}

impl ExternalSignal {
    pub(crate) fn new(
        shared: Rc<RefCell<RunShared>>,
        workflow_id: String,
        target: SignalTarget,
        signal: Result<(String, Vec<Payload>), PayloadError>,
    ) -> Self {
        Self {
            shared,
            workflow_id,
            request: Some((target, signal)),
            sent: None,
        }
    }
}

const SIGNAL: &str = "signalling";
const CANCEL: &str = "cancelling";

impl ExternalSignal {
    /// A signal named by `#[signal]` method `F` of workflow `T`, its arguments encoded as the
    /// handler declares them.
    pub(crate) fn typed<T, F: SignalFn<T>>(
        signal: F,
        shared: Rc<RefCell<RunShared>>,
        workflow_id: String,
        target: SignalTarget,
        input: &<F::Args as HandlerArgs>::Input,
    ) -> Self {
        let name = signal.wire_name().to_owned();
        let request = F::Args::encode(input).map(|arguments| (name, arguments));
        Self::new(shared, workflow_id, target, request)
    }

    /// A signal by wire name with JSON arguments, one payload each.
    pub(crate) fn by_name(
        shared: Rc<RefCell<RunShared>>,
        workflow_id: String,
        target: SignalTarget,
        signal_name: &str,
        arguments: &[serde_json::Value],
    ) -> Self {
        let payloads = arguments
            .iter()
            .map(crate::payload::encode)
            .collect::<Result<Vec<_>, PayloadError>>()
            .map(|payloads| (signal_name.to_owned(), payloads));
        Self::new(shared, workflow_id, target, payloads)
    }
}

impl Future for ExternalSignal {
    type Output = Result<(), ExternalWorkflowFailed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some((target, signal)) = self.request.take() {
            let (name, arguments) = match signal {
                Ok(signal) => signal,
                Err(error) => {
                    return Poll::Ready(Err(local_failure(&self.workflow_id, SIGNAL, &error)));
                }
            };
            let slot = new_slot();
            let target = match target {
                SignalTarget::Child(id) => Target::ChildWorkflowId(id),
                SignalTarget::Execution(execution) => Target::WorkflowExecution(execution),
            };
            let seq = self
                .shared
                .borrow_mut()
                .schedule(Rc::clone(&slot), |seq, _| {
                    workflow_command::Variant::SignalExternalWorkflowExecution(
                        SignalExternalWorkflowExecution {
                            seq: seq.get(),
                            target: Some(target),
                            signal_name: name,
                            args: arguments,
                            headers: Default::default(),
                        },
                    )
                });
            self.sent = Some((seq, slot));
        }
        let Some((_, slot)) = &self.sent else {
            return Poll::Pending;
        };
        match poll_slot(slot, cx) {
            Poll::Ready(failure) => {
                self.sent = None;
                Poll::Ready(outcome(&self.workflow_id, SIGNAL, failure))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Finished once it returned whether the signal was delivered.
impl FusedFuture for ExternalSignal {
    fn is_terminated(&self) -> bool {
        self.request.is_none() && self.sent.is_none()
    }
}

impl Drop for ExternalSignal {
    fn drop(&mut self) {
        let Some((seq, _)) = self.sent.take() else {
            return;
        };
        let Ok(mut shared) = self.shared.try_borrow_mut() else {
            return;
        };
        shared.cancel(seq, "the signal's future was dropped");
    }
}

/// A cancellation request to another workflow; resolves once the server recorded it.
#[must_use = "a cancellation is not requested unless awaited"]
pub struct ExternalCancel {
    shared: Rc<RefCell<RunShared>>,
    workflow_id: String,
    request: Option<(NamespacedWorkflowExecution, String)>,
    sent: Option<SlotRef<Option<Failure>>>,
}

impl fmt::Debug for ExternalCancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalCancel")
            .field("workflow_id", &self.workflow_id)
            .finish_non_exhaustive()
    }
}

impl ExternalCancel {
    fn new(
        shared: Rc<RefCell<RunShared>>,
        workflow_id: String,
        execution: NamespacedWorkflowExecution,
        reason: String,
    ) -> Self {
        Self {
            shared,
            workflow_id,
            request: Some((execution, reason)),
            sent: None,
        }
    }
}

impl Future for ExternalCancel {
    type Output = Result<(), ExternalWorkflowFailed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some((execution, reason)) = self.request.take() {
            let slot = new_slot();
            self.shared
                .borrow_mut()
                .schedule::<op::ExternalCancel>(Rc::clone(&slot), |seq, _| {
                    workflow_command::Variant::RequestCancelExternalWorkflowExecution(
                        RequestCancelExternalWorkflowExecution {
                            seq: seq.get(),
                            workflow_execution: Some(execution),
                            reason,
                        },
                    )
                });
            self.sent = Some(slot);
        }
        let Some(slot) = &self.sent else {
            return Poll::Pending;
        };
        match poll_slot(slot, cx) {
            Poll::Ready(failure) => {
                self.sent = None;
                Poll::Ready(outcome(&self.workflow_id, CANCEL, failure))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
