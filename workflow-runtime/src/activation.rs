//! One workflow run: applies core's activation jobs to the run's state and executor and turns
//! the commands the workflow produced into the activation's completion.

use std::{cell::RefCell, future::Future, panic::AssertUnwindSafe, rc::Rc, time::SystemTime};

use futures::FutureExt;

use temporalio_common::protos::{
    coresdk::{
        workflow_activation::{
            DoUpdate, InitializeWorkflow, QueryWorkflow, SignalWorkflow, WorkflowActivation,
            WorkflowActivationJob, workflow_activation_job,
        },
        workflow_commands::{
            CancelWorkflowExecution, CompleteWorkflowExecution, FailWorkflowExecution, QueryResult,
            QuerySuccess, UpdateResponse, query_result, update_response, workflow_command,
        },
        workflow_completion::WorkflowActivationCompletion,
    },
    temporal::api::failure::v1::Failure,
};
use tracing::Dispatch;

use crate::{
    context::{RunShared, WorkflowContext, WorkflowInfo},
    definition::WorkflowDefinition,
    error::{WorkflowError, application_failure},
    executor::{Executor, ExecutorFault, panic_message},
    handlers::{HandlerKind, Handlers, SignalHandler, UpdateHandler},
    payload::encode,
};

/// A run held in a workflow thread's cache.
pub(crate) struct RunInstance {
    shared: Rc<RefCell<RunShared>>,
    executor: Executor,
    handlers: Box<dyn RunHandlers>,
    /// Set after a fault: the executor's state is unknown, so every later activation fails
    /// until core evicts the run and replays it.
    fault: Option<String>,
}

/// What a workflow thread needs to start a run, besides the job itself.
pub(crate) struct RunStart<'a> {
    pub(crate) run_id: &'a str,
    pub(crate) namespace: &'a str,
    pub(crate) task_queue: &'a str,
    pub(crate) timestamp: SystemTime,
    pub(crate) init: &'a InitializeWorkflow,
}

pub(crate) fn proto_time(ts: Option<&prost_wkt_types::Timestamp>) -> Option<SystemTime> {
    let ts = ts?;
    let secs = u64::try_from(ts.seconds).ok()?;
    let nanos = u32::try_from(ts.nanos).ok()?;
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
}

pub(crate) fn activation_time(activation: &WorkflowActivation) -> SystemTime {
    proto_time(activation.timestamp.as_ref()).unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Starts a run of workflow `W`: builds its state and spawns its `#[run]` future. An input that
/// does not decode fails the workflow (not the task) with an error naming the expected type.
pub(crate) fn start_run<W: WorkflowDefinition>(start: RunStart<'_>) -> RunInstance {
    let info = WorkflowInfo {
        workflow_type: start.init.workflow_type.clone(),
        workflow_id: start.init.workflow_id.clone(),
        run_id: start.run_id.to_owned(),
        first_execution_run_id: start.init.first_execution_run_id.clone(),
        namespace: start.namespace.to_owned(),
        task_queue: start.task_queue.to_owned(),
        attempt: start.init.attempt,
        start_time: proto_time(start.init.start_time.as_ref()),
    };
    let shared = Rc::new(RefCell::new(RunShared::new(
        info,
        start.timestamp,
        start.init.randomness_seed,
    )));
    let mut executor = Executor::new();
    let input = W::decode_input(&start.init.arguments);
    let state = Rc::new(RefCell::new(W::initial_state()));
    let ctx = WorkflowContext::new(Rc::clone(&shared), state);
    let handlers = Box::new(TypedHandlers {
        ctx: ctx.clone(),
        table: W::handlers(),
    });
    let task_shared = Rc::clone(&shared);
    executor.spawn(async move {
        let command = match input {
            Ok(input) => match W::execute(ctx, input).await {
                Ok(output) => match encode(&output) {
                    Ok(result) => workflow_command::Variant::CompleteWorkflowExecution(
                        CompleteWorkflowExecution {
                            result: Some(result),
                        },
                    ),
                    Err(e) => fail_command(application_failure(
                        "PayloadError",
                        &e.to_string(),
                        true,
                        None,
                    )),
                },
                Err(error) => fail_command(*error.failure),
            },
            Err(e) => fail_command(application_failure(
                "PayloadError",
                &format!(
                    "workflow `{}` received an input it cannot decode: {e}",
                    W::NAME
                ),
                true,
                None,
            )),
        };
        task_shared.borrow_mut().finish(command);
    });
    RunInstance {
        shared,
        executor,
        handlers,
        fault: None,
    }
}

fn fail_command(failure: Failure) -> workflow_command::Variant {
    workflow_command::Variant::FailWorkflowExecution(FailWorkflowExecution {
        failure: Some(failure),
    })
}

/// A failed activation: core records a workflow task failure with this message and retries
/// the task, so a fixed worker picks the run up again.
pub(crate) fn task_failure(run_id: &str, message: &str) -> WorkflowActivationCompletion {
    WorkflowActivationCompletion::fail(
        run_id,
        application_failure("WorkflowTaskFailed", message, false, None),
        None,
    )
}

impl RunInstance {
    /// Applies the jobs, runs the workflow until it blocks, and returns the completion.
    pub(crate) fn activate(
        &mut self,
        activation: WorkflowActivation,
    ) -> WorkflowActivationCompletion {
        let run_id = activation.run_id.clone();
        if let Some(fault) = &self.fault {
            return task_failure(&run_id, fault);
        }
        {
            let mut shared = self.shared.borrow_mut();
            shared.now = activation_time(&activation);
            shared.replaying = activation.is_replaying;
        }
        for job in activation.jobs {
            if let Err(message) = self.apply(job) {
                return task_failure(&run_id, &message);
            }
        }
        let finished = self.shared.borrow().finished;
        if !finished && let Err(fault) = self.run_until_stalled() {
            let message = fault.describe();
            tracing::warn!(run_id = %run_id, "workflow task failed: {message}");
            self.fault = Some(message.clone());
            return task_failure(&run_id, &message);
        }
        let mut shared = self.shared.borrow_mut();
        let commands = std::mem::take(&mut shared.commands);
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
        WorkflowActivationCompletion::from_cmds(run_id, commands)
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

    fn apply(&mut self, job: WorkflowActivationJob) -> Result<(), String> {
        use workflow_activation_job::Variant;
        let Some(variant) = job.variant else {
            return Ok(());
        };
        match variant {
            Variant::InitializeWorkflow(_) => {}
            Variant::FireTimer(fire) => {
                if !RunShared::fire_timer(&self.shared, fire.seq) {
                    tracing::debug!(seq = fire.seq, "timer fired after it was cancelled");
                }
            }
            Variant::ResolveActivity(resolve) => {
                let resolution = resolve.result.unwrap_or_default();
                if !RunShared::resolve_activity(&self.shared, resolve.seq, resolution) {
                    tracing::debug!(
                        seq = resolve.seq,
                        "activity resolved after it was cancelled"
                    );
                }
            }
            Variant::UpdateRandomSeed(update) => {
                self.shared.borrow_mut().rng =
                    crate::context::WorkflowRng::new(update.randomness_seed);
            }
            Variant::QueryWorkflow(query) => {
                let command = self.handlers.query(query);
                self.push(command);
            }
            Variant::SignalWorkflow(signal) => {
                self.handlers.signal(&mut self.executor, signal)?;
            }
            Variant::DoUpdate(update) => {
                self.handlers.update(&mut self.executor, update);
            }
            Variant::CancelWorkflow(_) => {
                self.shared.borrow_mut().finish(
                    workflow_command::Variant::CancelWorkflowExecution(
                        CancelWorkflowExecution::default(),
                    ),
                );
            }
            Variant::RemoveFromCache(_) => {}
            other => {
                return Err(format!(
                    "this version of workflow-runtime cannot handle the activation job {other:?}"
                ));
            }
        }
        Ok(())
    }

    fn push(&self, command: workflow_command::Variant) {
        self.shared.borrow_mut().commands.push(command);
    }
}

/// The signal, query and update handlers of one run, with the workflow type erased.
trait RunHandlers {
    /// Runs a sync signal now or spawns an async one; `Err` fails the workflow task (a panic).
    fn signal(&self, executor: &mut Executor, signal: SignalWorkflow) -> Result<(), String>;
    /// Answers a query from the current state.
    fn query(&self, query: QueryWorkflow) -> workflow_command::Variant;
    /// Validates, accepts and runs an update (a sync one now, an async one as a task).
    fn update(&self, executor: &mut Executor, update: DoUpdate);
}

struct TypedHandlers<W: 'static> {
    ctx: WorkflowContext<W>,
    table: &'static Handlers<W>,
}

fn failure_of(error: WorkflowError) -> Failure {
    *error.failure
}

fn panicked(what: &str, payload: &(dyn std::any::Any + Send)) -> String {
    format!("{what} panicked: {}", panic_message(payload))
}

fn panic_failure(what: &str, payload: &(dyn std::any::Any + Send)) -> Failure {
    application_failure("Panic", &panicked(what, payload), true, None)
}

fn update_response(
    protocol_instance_id: String,
    response: update_response::Response,
) -> workflow_command::Variant {
    workflow_command::Variant::UpdateResponse(UpdateResponse {
        protocol_instance_id,
        response: Some(response),
    })
}

impl<W: WorkflowDefinition> TypedHandlers<W> {
    fn shared(&self) -> &Rc<RefCell<RunShared>> {
        self.ctx.shared()
    }

    fn workflow_type(&self) -> String {
        self.shared().borrow().info.workflow_type.clone()
    }

    fn not_found(&self, kind: HandlerKind, name: &str) -> String {
        format!(
            "workflow `{}` has no {} handler named `{name}`; its {} are: {}",
            self.workflow_type(),
            kind.attribute(),
            kind.plural(),
            self.table.names(kind)
        )
    }

    fn push(&self, command: workflow_command::Variant) {
        self.shared().borrow_mut().commands.push(command);
    }

    /// Spawns an async handler; the run counts it until it ends, for `all_handlers_finished`.
    fn spawn_handler(&self, executor: &mut Executor, future: impl Future<Output = ()> + 'static) {
        let shared = Rc::clone(self.shared());
        shared.borrow_mut().running_handlers += 1;
        executor.spawn(async move {
            future.await;
            let mut shared = shared.borrow_mut();
            shared.running_handlers -= 1;
            shared.state_version += 1;
        });
    }

    fn user_query(
        &self,
        name: &str,
        arguments: &[crate::payload::Payload],
    ) -> query_result::Variant {
        match self.table.find_query(name) {
            None => query_result::Variant::Failed(application_failure(
                "QueryNotFound",
                &self.not_found(HandlerKind::Query, name),
                true,
                None,
            )),
            Some(handler) => {
                let state = self.ctx.state_cell();
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    handler(&state.borrow(), name, arguments)
                }));
                match outcome {
                    Ok(Ok(response)) => query_result::Variant::Succeeded(QuerySuccess {
                        response: Some(response),
                    }),
                    Ok(Err(error)) => query_result::Variant::Failed(application_failure(
                        "PayloadError",
                        &format!("query `{name}`: {error}"),
                        true,
                        None,
                    )),
                    Err(payload) => query_result::Variant::Failed(panic_failure(
                        &format!("query handler `{name}`"),
                        &*payload,
                    )),
                }
            }
        }
    }

    /// `__temporal_workflow_metadata`: the workflow's handlers, as the Temporal UI and CLI
    /// read them.
    fn metadata(&self) -> crate::payload::Payload {
        let definitions = |kind| {
            self.table
                .wire_names(kind)
                .into_iter()
                .map(|name| serde_json::json!({ "name": name }))
                .collect::<Vec<_>>()
        };
        crate::payload::json_protobuf(
            "temporal.api.sdk.v1.WorkflowMetadata",
            &serde_json::json!({
                "definition": {
                    "type": W::NAME,
                    "queryDefinitions": definitions(HandlerKind::Query),
                    "signalDefinitions": definitions(HandlerKind::Signal),
                    "updateDefinitions": definitions(HandlerKind::Update),
                }
            }),
        )
    }

    /// `__stack_trace`: async Rust has no stack to show, so this lists what the run waits on.
    fn pending_work(&self) -> String {
        let shared = self.shared().borrow();
        let (timers, activities) = shared.pending();
        format!(
            "workflow `{}` is waiting on timers {timers:?}, activities {activities:?} (by sequence number) and {} running signal or update handler(s)",
            shared.info.workflow_type, shared.running_handlers
        )
    }

    fn respond_to_update(&self, protocol_instance_id: &str, response: update_response::Response) {
        self.push(update_response(protocol_instance_id.to_owned(), response));
    }
}

impl<W: WorkflowDefinition> RunHandlers for TypedHandlers<W> {
    fn signal(&self, executor: &mut Executor, signal: SignalWorkflow) -> Result<(), String> {
        let name = signal.signal_name.as_str();
        let replaying = self.shared().borrow().replaying;
        let Some(handler) = self.table.find_signal(name) else {
            if !replaying {
                tracing::warn!(
                    "signal dropped: {}",
                    self.not_found(HandlerKind::Signal, name)
                );
            }
            return Ok(());
        };
        let decoded = match handler {
            SignalHandler::Sync(handler) => {
                let state = self.ctx.state_cell();
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    handler(&mut state.borrow_mut(), name, &signal.input)
                }));
                self.shared().borrow_mut().state_version += 1;
                match outcome {
                    Ok(decoded) => decoded,
                    Err(payload) => {
                        return Err(panicked(&format!("signal handler `{name}`"), &*payload));
                    }
                }
            }
            SignalHandler::Async(handler) => {
                handler(self.ctx.clone(), name, &signal.input).map(|future| {
                    let shared = Rc::clone(self.shared());
                    self.spawn_handler(executor, async move {
                        if let Err(error) = future.await {
                            // An error from a signal handler fails the workflow, as an error
                            // from `run` does.
                            shared.borrow_mut().finish(fail_command(failure_of(error)));
                        }
                    });
                })
            }
        };
        if let Err(error) = decoded
            && !replaying
        {
            tracing::warn!(
                signal = name,
                workflow_type = %self.workflow_type(),
                "signal dropped: {error}"
            );
        }
        Ok(())
    }

    fn query(&self, query: QueryWorkflow) -> workflow_command::Variant {
        let name = query.query_type.as_str();
        let builtin = match name {
            WORKFLOW_METADATA_QUERY => Some(self.metadata()),
            STACK_TRACE_QUERY => encode(&self.pending_work()).ok(),
            _ => None,
        };
        let variant = match builtin {
            Some(response) => query_result::Variant::Succeeded(QuerySuccess {
                response: Some(response),
            }),
            None => self.user_query(name, &query.arguments),
        };
        workflow_command::Variant::RespondToQuery(QueryResult {
            query_id: query.query_id,
            variant: Some(variant),
        })
    }

    fn update(&self, executor: &mut Executor, update: DoUpdate) {
        use update_response::Response;
        let name = update.name.as_str();
        let id = update.protocol_instance_id.as_str();
        let Some(entry) = self.table.find_update(name) else {
            let failure = application_failure(
                "UpdateNotFound",
                &self.not_found(HandlerKind::Update, name),
                true,
                None,
            );
            self.respond_to_update(id, Response::Rejected(failure));
            return;
        };
        let state = self.ctx.state_cell();
        // Validators run only when the update is new: on replay the history already says it
        // was accepted, so a validator changed since then cannot break the replay.
        if update.run_validator
            && let Some(validator) = entry.validator
        {
            let verdict = std::panic::catch_unwind(AssertUnwindSafe(|| {
                validator(&state.borrow(), name, &update.input)
            }));
            let rejection = match verdict {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some(failure_of(error)),
                Err(payload) => Some(panic_failure(
                    &format!("validator of update `{name}`"),
                    &*payload,
                )),
            };
            if let Some(failure) = rejection {
                self.respond_to_update(id, Response::Rejected(failure));
                return;
            }
        }
        match &entry.handler {
            UpdateHandler::Sync(handler) => {
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    handler(&mut state.borrow_mut(), name, &update.input)
                }));
                let response = match outcome {
                    Ok(Err(decode)) => {
                        self.respond_to_update(id, decode_rejection(name, decode));
                        return;
                    }
                    Ok(Ok(Ok(result))) => Response::Completed(result),
                    Ok(Ok(Err(error))) => Response::Rejected(failure_of(error)),
                    Err(payload) => Response::Rejected(panic_failure(
                        &format!("update handler `{name}`"),
                        &*payload,
                    )),
                };
                self.shared().borrow_mut().state_version += 1;
                self.respond_to_update(id, Response::Accepted(()));
                self.respond_to_update(id, response);
            }
            UpdateHandler::Async(handler) => match handler(self.ctx.clone(), name, &update.input) {
                Err(decode) => self.respond_to_update(id, decode_rejection(name, decode)),
                Ok(future) => {
                    self.respond_to_update(id, Response::Accepted(()));
                    let shared = Rc::clone(self.shared());
                    let id = id.to_owned();
                    let what = format!("update handler `{name}`");
                    self.spawn_handler(executor, async move {
                        let outcome = AssertUnwindSafe(future).catch_unwind().await;
                        let response = match outcome {
                            Ok(Ok(result)) => Response::Completed(result),
                            Ok(Err(error)) => Response::Rejected(failure_of(error)),
                            Err(payload) => Response::Rejected(panic_failure(&what, &*payload)),
                        };
                        let mut shared = shared.borrow_mut();
                        if !shared.finished {
                            shared.commands.push(update_response(id, response));
                        }
                    });
                }
            },
        }
    }
}

/// Built-in query names every Temporal SDK answers.
const WORKFLOW_METADATA_QUERY: &str = "__temporal_workflow_metadata";
const STACK_TRACE_QUERY: &str = "__stack_trace";

/// An update whose arguments do not decode is rejected before it is accepted.
fn decode_rejection(name: &str, error: crate::payload::PayloadError) -> update_response::Response {
    update_response::Response::Rejected(application_failure(
        "PayloadError",
        &format!("update `{name}`: {error}"),
        true,
        None,
    ))
}
