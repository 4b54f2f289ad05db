//! One workflow run's state machine: activation jobs in, commands out. It applies core's jobs
//! to the run's state and executor, runs the workflow until it blocks, and turns the commands
//! the workflow produced into the activation's completion.

use std::{cell::RefCell, rc::Rc, sync::Arc, time::SystemTime};

use temporalio_common::protos::coresdk::{
    workflow_activation::{
        InitializeWorkflow, RemoveFromCache, WorkflowActivation, WorkflowActivationJob,
        workflow_activation_job,
    },
    workflow_commands::{CompleteWorkflowExecution, workflow_command},
    workflow_completion::{WorkflowActivationCompletion, workflow_activation_completion},
};
use tracing::Dispatch;

use crate::{
    attributes::{Memo, SearchAttributes},
    convert::system_time,
    deployment::VersioningBehavior,
    error::{Retry, application_failure, failure_type},
    executor::{Executor, ExecutorFault},
    interceptor::{Headers, Interceptors, WorkflowInbound},
    metrics::{MetricMeter, Replaying, UserMeter},
    now_running,
    payload::encode,
    workflow::{
        context::WorkflowContext,
        definition::WorkflowDefinition,
        dispatch::{FailedStart, RunHandlers, TypedHandlers},
        fault::TaskFault,
        info::{ParentInfo, WorkflowInfo},
        operations::{self as op, Seq},
        shared::{RunShared, WorkflowRng, error_command, fail_command},
    },
};

/// A run held in a workflow thread's cache.
pub(crate) struct RunInstance {
    /// Which run this is, in the words of error messages: type, workflow id and run id.
    label: Arc<str>,
    shared: Rc<RefCell<RunShared>>,
    executor: Executor,
    handlers: Box<dyn RunHandlers>,
    /// Set after a fault: the executor's state is unknown, so every later activation fails
    /// until core evicts the run and replays it.
    fault: Option<TaskFault>,
    /// The workflow's versioning behaviour, sent with every successful completion (core
    /// reports the one of the activation that ends the workflow task); `None` lets the
    /// worker's default apply, and on an unversioned worker, where the server refuses a
    /// behaviour, it is always `None`.
    versioning: Option<VersioningBehavior>,
}

/// What a workflow thread needs to start a run, besides the job itself.
pub(crate) struct RunStart<'a> {
    pub(crate) run_id: &'a str,
    pub(crate) namespace: &'a str,
    pub(crate) task_queue: &'a str,
    pub(crate) meter: Option<&'a UserMeter>,
    /// Whether the worker runs a deployment version (see `RunPlace::versioned`).
    pub(crate) versioned: bool,
    pub(crate) timestamp: SystemTime,
    pub(crate) init: &'a InitializeWorkflow,
    pub(crate) interceptors: &'a Interceptors,
}

/// Workflow time of an activation: the server's time for the workflow task.
pub(crate) fn activation_time(activation: &WorkflowActivation) -> SystemTime {
    system_time(activation.timestamp.as_ref()).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The eviction job of an activation; core sends evictions in an activation of their own.
pub(crate) fn eviction(activation: &WorkflowActivation) -> Option<&RemoveFromCache> {
    activation.jobs.iter().find_map(|job| match &job.variant {
        Some(workflow_activation_job::Variant::RemoveFromCache(evict)) => Some(evict),
        _ => None,
    })
}

/// Core's message for a failed activation: the failure's own message when core's text holds
/// one (see [`crate::foreign_text::eviction_message`]).
pub(crate) fn eviction_message(evict: &RemoveFromCache) -> String {
    crate::foreign_text::eviction_message(&evict.message)
}

/// The start job of an activation, present when the run is new to this worker (first task,
/// or rebuilt after an eviction).
pub(crate) fn initialization(activation: &WorkflowActivation) -> Option<&InitializeWorkflow> {
    activation.jobs.iter().find_map(|job| match &job.variant {
        Some(workflow_activation_job::Variant::InitializeWorkflow(init)) => Some(init),
        _ => None,
    })
}

/// Names a run in error messages: its type, workflow id and run id.
pub(crate) fn run_label(workflow_type: &str, workflow_id: &str, run_id: &str) -> Arc<str> {
    Arc::from(format!(
        "workflow `{workflow_type}` (workflow id `{workflow_id}`, run id `{run_id}`)"
    ))
}

/// Starts a run of workflow `W`: builds its state from the input and spawns its `#[run]`
/// future. An input that does not decode fails the workflow (not the task) with an error naming
/// the expected type; there is no state, so `FailedStart` answers the run's handler calls.
pub(crate) fn start_run<W: WorkflowDefinition>(start: RunStart<'_>) -> RunInstance {
    let info = WorkflowInfo {
        workflow_type: start.init.workflow_type.clone(),
        workflow_id: start.init.workflow_id.clone(),
        run_id: start.run_id.to_owned(),
        first_execution_run_id: start.init.first_execution_run_id.clone(),
        continued_from_run_id: Some(start.init.continued_from_execution_run_id.clone())
            .filter(|id| !id.is_empty()),
        parent: start
            .init
            .parent_workflow_info
            .as_ref()
            .map(|parent| ParentInfo {
                namespace: parent.namespace.clone(),
                workflow_id: parent.workflow_id.clone(),
                run_id: parent.run_id.clone(),
            }),
        namespace: start.namespace.to_owned(),
        task_queue: start.task_queue.to_owned(),
        attempt: start.init.attempt,
        start_time: system_time(start.init.start_time.as_ref()),
        history_length: 0,
        history_size_bytes: 0,
        continue_as_new_suggested: false,
        search_attributes: SearchAttributes::from_proto(start.init.search_attributes.clone()),
        memo: Memo::from_proto(start.init.memo.clone()),
    };
    let label = run_label(&info.workflow_type, &info.workflow_id, &info.run_id);
    let replaying = Replaying::default();
    let metrics = MetricMeter::new(
        start.meter.cloned(),
        &[
            ("namespace", info.namespace.clone()),
            ("task_queue", info.task_queue.clone()),
            ("workflow_type", info.workflow_type.clone()),
        ],
        Some(Arc::clone(&replaying)),
    );
    let shared = Rc::new(RefCell::new(RunShared::new(
        info,
        start.timestamp,
        start.init.randomness_seed,
    )));
    {
        let mut shared = shared.borrow_mut();
        shared.metrics = Some((metrics, replaying));
        shared.start_headers = Headers::from_fields(start.init.headers.clone());
        shared.interceptors = start.interceptors.clone();
    }
    let mut executor = Executor::new();
    let input = W::decode_input(&start.init.arguments);
    let (handlers, input): (Box<dyn RunHandlers>, _) = match input {
        Ok(input) => {
            let state = Rc::new(RefCell::new(W::initial_state(&input)));
            let ctx = WorkflowContext::new(Rc::clone(&shared), state);
            let handlers = TypedHandlers::new(ctx.clone(), W::handlers());
            (Box::new(handlers), Ok((ctx, input)))
        }
        Err(e) => (Box::new(FailedStart::new::<W>(&shared, &e)), Err(e)),
    };
    let task_shared = Rc::clone(&shared);
    executor.spawn(Arc::from("`run`"), async move {
        let command = match input {
            Ok((ctx, input)) => match W::execute(ctx, input).await {
                Ok(output) => match encode(&output) {
                    Ok(result) => workflow_command::Variant::CompleteWorkflowExecution(
                        CompleteWorkflowExecution {
                            result: Some(result),
                        },
                    ),
                    Err(e) => fail_command(application_failure(
                        failure_type::PAYLOAD_ERROR,
                        e.message(),
                        Retry::NonRetryable,
                        None,
                    )),
                },
                Err(error) => error_command(&task_shared.borrow(), *error.failure.into_failure()),
            },
            Err(e) => fail_command(application_failure(
                failure_type::PAYLOAD_ERROR,
                &format!(
                    "workflow `{}` received an input it cannot decode: {}",
                    W::NAME,
                    e.message()
                ),
                Retry::NonRetryable,
                None,
            )),
        };
        task_shared.borrow_mut().finish(command);
    });
    RunInstance {
        label,
        shared,
        executor,
        handlers,
        fault: None,
        versioning: W::VERSIONING.filter(|_| start.versioned),
    }
}

/// A failed activation: core records a workflow task failure with this message and retries
/// the task, so a fixed worker picks the run up again.
pub(crate) fn task_failure(run_id: &str, message: &str) -> WorkflowActivationCompletion {
    WorkflowActivationCompletion::fail(
        run_id,
        application_failure(
            failure_type::WORKFLOW_TASK_FAILED,
            message,
            Retry::Retryable,
            None,
        ),
        None,
    )
}

impl RunInstance {
    /// Applies the jobs, runs the workflow until it blocks, and returns the completion.
    /// Which run this is: type, workflow id and run id.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn activate(
        &mut self,
        activation: WorkflowActivation,
    ) -> WorkflowActivationCompletion {
        now_running::running_workflow(&self.label);
        let run_id = activation.run_id.clone();
        if let Some(fault) = &self.fault {
            return task_failure(&run_id, &fault.to_string());
        }
        {
            let mut shared = self.shared.borrow_mut();
            shared.now = activation_time(&activation);
            shared.set_replaying(activation.is_replaying);
            shared.info.history_length = activation.history_length;
            shared.info.history_size_bytes = activation.history_size_bytes;
            shared.info.continue_as_new_suggested = activation.continue_as_new_suggested;
        }
        for job in activation.jobs {
            if let Err(fault) = self.apply(job) {
                // A handler that panicked may have left the state half changed: like a panic
                // in the executor, it fails every activation until core evicts the run.
                return self.fail(&run_id, fault);
            }
        }
        let finished = self.shared.borrow().finished;
        if !finished && let Err(fault) = self.run_until_stalled() {
            return self.fail(&run_id, fault.into());
        }
        let mut shared = self.shared.borrow_mut();
        let commands = std::mem::take(&mut shared.commands);
        let metadata = std::mem::take(&mut shared.command_metadata);
        let finished = shared.finished;
        drop(shared);
        if finished {
            let running = self.shared.borrow().running_handlers;
            if running > 0 && !self.shared.borrow().replaying {
                tracing::warn!(
                    run_id = %run_id,
                    "the workflow finished while {running} signal or update handler(s) were still running; \
                     await ctx.all_handlers_finished() before returning so their callers get results"
                );
            }
            // Nothing may run after the final command; dropping the tasks now keeps their
            // drop-time cancellations out of this and later completions.
            self.executor.clear();
        }
        let mut completion = WorkflowActivationCompletion::from_cmds(run_id, commands);
        if let Some(workflow_activation_completion::Status::Successful(success)) =
            &mut completion.status
        {
            for (index, metadata) in metadata {
                if let Some(command) = success.commands.get_mut(index) {
                    command.user_metadata = Some(metadata);
                }
            }
            if let Some(behavior) = self.versioning {
                success.versioning_behavior = behavior.to_proto().into();
            }
        }
        completion
    }

    fn run_until_stalled(&mut self) -> Result<(), ExecutorFault> {
        let (replaying, span) = {
            let shared = self.shared.borrow();
            let info = &shared.info;
            (
                shared.replaying,
                tracing::info_span!(
                    "workflow",
                    workflow_type = %info.workflow_type,
                    workflow_id = %info.workflow_id,
                    run_id = %info.run_id
                ),
            )
        };
        let shared = Rc::clone(&self.shared);
        let executor = &mut self.executor;
        // Wait conditions are checked again after each round in which the state may have
        // changed, until a round changes nothing.
        let run = || loop {
            executor.run_until_stalled()?;
            if !RunShared::wake_condition_waiters(&shared) {
                return Ok(());
            }
        };
        if replaying {
            // Replay-aware logging: workflow code's log lines were already emitted when this
            // history was first produced, so they are muted while it replays.
            tracing::dispatcher::with_default(&Dispatch::none(), run)
        } else {
            span.in_scope(run)
        }
    }

    /// Fails this task and every later one of the run (its state is no longer known).
    fn fail(&mut self, run_id: &str, fault: TaskFault) -> WorkflowActivationCompletion {
        let message = fault.to_string();
        tracing::warn!(run_id = %run_id, "workflow task failed: {message}");
        self.fault = Some(fault);
        task_failure(run_id, &message)
    }

    fn apply(&mut self, job: WorkflowActivationJob) -> Result<(), TaskFault> {
        use workflow_activation_job::Variant;
        let Some(variant) = job.variant else {
            return Ok(());
        };
        match variant {
            Variant::InitializeWorkflow(_) => {
                self.shared
                    .borrow()
                    .intercept_inbound(&WorkflowInbound::Started);
            }
            Variant::FireTimer(fire) => {
                if !RunShared::resolve::<op::Timer>(&self.shared, Seq::from_core(fire.seq), Ok(()))
                {
                    tracing::debug!(seq = fire.seq, "timer fired after it was cancelled");
                }
            }
            Variant::ResolveActivity(resolve) => {
                let resolution = resolve.result.unwrap_or_default();
                if !RunShared::resolve_activity(
                    &self.shared,
                    Seq::from_core(resolve.seq),
                    resolution,
                ) {
                    tracing::debug!(
                        seq = resolve.seq,
                        "activity resolved after it was cancelled"
                    );
                }
            }
            Variant::NotifyHasPatch(patch) => {
                self.shared.borrow_mut().patch_in_history(patch.patch_id);
            }
            Variant::UpdateRandomSeed(update) => {
                self.shared.borrow_mut().rng = WorkflowRng::new(update.randomness_seed);
            }
            Variant::QueryWorkflow(mut query) => {
                self.shared
                    .borrow()
                    .intercept_inbound(&WorkflowInbound::Query {
                        name: &query.query_type,
                        headers: &Headers::from_fields(std::mem::take(&mut query.headers)),
                    });
                let command = self.handlers.query(query);
                self.push(command);
            }
            Variant::SignalWorkflow(mut signal) => {
                self.shared
                    .borrow()
                    .intercept_inbound(&WorkflowInbound::Signal {
                        name: &signal.signal_name,
                        headers: &Headers::from_fields(std::mem::take(&mut signal.headers)),
                    });
                self.handlers.signal(&mut self.executor, signal)?;
            }
            Variant::DoUpdate(mut update) => {
                self.shared
                    .borrow()
                    .intercept_inbound(&WorkflowInbound::Update {
                        name: &update.name,
                        id: &update.id,
                        headers: &Headers::from_fields(std::mem::take(&mut update.headers)),
                    });
                self.handlers.update(&mut self.executor, update)?;
            }
            Variant::CancelWorkflow(cancel) => {
                RunShared::request_cancel(&self.shared, cancel.reason);
            }
            Variant::ResolveChildWorkflowExecutionStart(start) => {
                let known = start.status.is_some_and(|status| {
                    RunShared::resolve_child_start(&self.shared, Seq::from_core(start.seq), status)
                });
                if !known {
                    tracing::debug!(
                        seq = start.seq,
                        "child workflow start resolved for an unknown child"
                    );
                }
            }
            Variant::ResolveChildWorkflowExecution(resolve) => {
                let result = resolve.result.unwrap_or_default();
                if !RunShared::resolve::<op::Child>(
                    &self.shared,
                    Seq::from_core(resolve.seq),
                    result,
                ) {
                    tracing::debug!(
                        seq = resolve.seq,
                        "child workflow resolved after it was dropped"
                    );
                }
            }
            Variant::ResolveSignalExternalWorkflow(resolve) => {
                if !RunShared::resolve::<op::ExternalSignal>(
                    &self.shared,
                    Seq::from_core(resolve.seq),
                    resolve.failure,
                ) {
                    tracing::debug!(
                        seq = resolve.seq,
                        "signal to another workflow resolved after it was dropped"
                    );
                }
            }
            Variant::ResolveRequestCancelExternalWorkflow(resolve) => {
                if !RunShared::resolve::<op::ExternalCancel>(
                    &self.shared,
                    Seq::from_core(resolve.seq),
                    resolve.failure,
                ) {
                    tracing::debug!(
                        seq = resolve.seq,
                        "cancellation of another workflow resolved after it was dropped"
                    );
                }
            }
            Variant::RemoveFromCache(_) => {}
            other => {
                return Err(TaskFault::UnknownJob {
                    job: format!("{other:?}"),
                });
            }
        }
        Ok(())
    }

    fn push(&self, command: workflow_command::Variant) {
        self.shared.borrow_mut().commands.push(command);
    }
}
