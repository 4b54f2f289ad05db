//! Dispatch of signals, queries and updates to one run's handler table, with the workflow
//! type erased, plus the built-in queries every Temporal SDK answers.

use std::{cell::RefCell, future::Future, panic::AssertUnwindSafe, rc::Rc, sync::Arc};

use futures::FutureExt;
use temporalio_common::protos::{
    coresdk::{
        workflow_activation::{DoUpdate, QueryWorkflow, SignalWorkflow},
        workflow_commands::{
            QueryResult, QuerySuccess, UpdateResponse, query_result, update_response,
            workflow_command,
        },
    },
    temporal::api::failure::v1::Failure,
};

use crate::{
    caught_panic::{CaughtPanic, quietly},
    error::{Retry, WorkflowError, application_failure, failure_type},
    executor::Executor,
    now_running,
    payload::{Payload, PayloadError, encode, json_protobuf},
    workflow::fault::TaskFault,
    workflow::{
        context::WorkflowContext,
        definition::WorkflowDefinition,
        handler_context::HandlerContext,
        handlers::{HandlerKind, Handlers, SignalHandler, UpdateHandler},
        shared::{RunShared, error_command},
    },
};

/// The signal, query and update handlers of one run, with the workflow type erased.
pub(crate) trait RunHandlers {
    /// Runs a sync signal now or spawns an async one; `Err` fails the workflow task (a panic).
    fn signal(&self, executor: &mut Executor, signal: SignalWorkflow) -> Result<(), TaskFault>;
    /// Answers a query from the current state.
    fn query(&self, query: QueryWorkflow) -> workflow_command::Variant;
    /// Validates, accepts and runs an update (a sync one now, an async one as a task); `Err`
    /// fails the workflow task (a panic in a sync handler).
    fn update(&self, executor: &mut Executor, update: DoUpdate) -> Result<(), TaskFault>;
}

pub(crate) struct TypedHandlers<W: 'static> {
    ctx: WorkflowContext<W>,
    table: &'static Handlers<W>,
}

fn failure_of(error: WorkflowError) -> Failure {
    *error.failure.into_failure()
}

fn panicked(what: &str, panic: &CaughtPanic) -> String {
    format!("{what} panicked: {panic}")
}

fn panic_failure(what: &str, panic: &CaughtPanic) -> Failure {
    application_failure(
        failure_type::PANIC,
        &panicked(what, panic),
        Retry::NonRetryable,
        None,
    )
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
    pub(crate) fn new(ctx: WorkflowContext<W>, table: &'static Handlers<W>) -> Self {
        Self { ctx, table }
    }

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

    /// Spawns an async handler (`label` names it); the run counts it until it ends, for
    /// `all_handlers_finished`.
    fn spawn_handler(
        &self,
        executor: &mut Executor,
        label: String,
        future: impl Future<Output = ()> + 'static,
    ) {
        let shared = Rc::clone(self.shared());
        shared.borrow_mut().running_handlers += 1;
        executor.spawn(Arc::from(label), async move {
            future.await;
            let mut shared = shared.borrow_mut();
            shared.running_handlers -= 1;
            shared.state_version += 1;
        });
    }

    fn user_query(&self, name: &str, arguments: &[Payload]) -> query_result::Variant {
        match self.table.find_query(name) {
            None => query_result::Variant::Failed(application_failure(
                failure_type::QUERY_NOT_FOUND,
                &self.not_found(HandlerKind::Query, name),
                Retry::NonRetryable,
                None,
            )),
            Some(handler) => {
                let state = self.ctx.state_cell();
                now_running::running(format!("query handler `{name}`"));
                let ctx = HandlerContext::read_only(self.shared());
                let outcome = quietly(|| handler(&state.borrow(), &ctx, name, arguments));
                match outcome {
                    Ok(Ok(response)) => query_result::Variant::Succeeded(QuerySuccess {
                        response: Some(response),
                    }),
                    Ok(Err(error)) => query_result::Variant::Failed(application_failure(
                        failure_type::PAYLOAD_ERROR,
                        &format!("query `{name}`: {}", error.message()),
                        Retry::NonRetryable,
                        None,
                    )),
                    Err(panic) => query_result::Variant::Failed(panic_failure(
                        &format!("query handler `{name}`"),
                        &panic,
                    )),
                }
            }
        }
    }

    /// `__temporal_workflow_metadata`: the workflow's handlers, as the Temporal UI and CLI
    /// read them.
    fn metadata(&self) -> Payload {
        let definitions = |kind| {
            self.table
                .wire_names(kind)
                .into_iter()
                .map(|name| serde_json::json!({ "name": name }))
                .collect::<Vec<_>>()
        };
        json_protobuf(
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
        let pending = shared.pending();
        format!(
            "workflow `{}` is waiting on timers {:?}, activities {:?}, child workflows {:?} (by sequence number) and {} running signal or update handler(s)",
            shared.info.workflow_type,
            pending.timers,
            pending.activities,
            pending.children,
            shared.running_handlers
        )
    }

    fn respond_to_update(&self, protocol_instance_id: &str, response: update_response::Response) {
        self.push(update_response(protocol_instance_id.to_owned(), response));
    }
}

impl<W: WorkflowDefinition> RunHandlers for TypedHandlers<W> {
    fn signal(&self, executor: &mut Executor, signal: SignalWorkflow) -> Result<(), TaskFault> {
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
                now_running::running(format!("signal handler `{name}`"));
                let ctx = HandlerContext::drawing_from_run(self.shared());
                let outcome =
                    quietly(|| handler(&mut state.borrow_mut(), &ctx, name, &signal.input));
                self.shared().borrow_mut().state_version += 1;
                match outcome {
                    Ok(decoded) => decoded,
                    Err(panic) => {
                        return Err(TaskFault::HandlerPanicked {
                            handler: format!("signal handler `{name}`"),
                            panic,
                        });
                    }
                }
            }
            SignalHandler::Async(handler) => {
                handler(self.ctx.clone(), name, &signal.input).map(|future| {
                    let shared = Rc::clone(self.shared());
                    let label = format!("signal handler `{name}`");
                    self.spawn_handler(executor, label, async move {
                        if let Err(error) = future.await {
                            // An error from a signal handler fails the workflow, as an error
                            // from `run` does.
                            let command = error_command(&shared.borrow(), failure_of(error));
                            shared.borrow_mut().finish(command);
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

    fn update(&self, executor: &mut Executor, update: DoUpdate) -> Result<(), TaskFault> {
        use update_response::Response;
        let name = update.name.as_str();
        let id = update.protocol_instance_id.as_str();
        let Some(entry) = self.table.find_update(name) else {
            let failure = application_failure(
                failure_type::UPDATE_NOT_FOUND,
                &self.not_found(HandlerKind::Update, name),
                Retry::NonRetryable,
                None,
            );
            self.respond_to_update(id, Response::Rejected(failure));
            return Ok(());
        };
        let state = self.ctx.state_cell();
        // Validators run only when the update is new: on replay the history already says it
        // was accepted, so a validator changed since then cannot break the replay.
        if update.run_validator
            && let Some(validator) = entry.validator
        {
            now_running::running(format!("validator of update `{name}`"));
            let ctx = HandlerContext::read_only(self.shared());
            let verdict = quietly(|| validator(&state.borrow(), &ctx, name, &update.input));
            let rejection = match verdict {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some(failure_of(error)),
                Err(panic) => Some(panic_failure(
                    &format!("validator of update `{name}`"),
                    &panic,
                )),
            };
            if let Some(failure) = rejection {
                self.respond_to_update(id, Response::Rejected(failure));
                return Ok(());
            }
        }
        // A panic in the handler is a bug in the worker, not an answer: it fails the workflow
        // task, as a panic in `run` does. The server retries the task and keeps the update
        // pending, so a fixed worker can still complete it. Only an `Err` fails the update.
        match &entry.handler {
            UpdateHandler::Sync(handler) => {
                now_running::running(format!("update handler `{name}`"));
                let ctx = HandlerContext::drawing_from_run(self.shared());
                let outcome =
                    quietly(|| handler(&mut state.borrow_mut(), &ctx, name, &update.input));
                let response = match outcome {
                    Ok(Err(decode)) => {
                        self.respond_to_update(id, decode_rejection(name, decode));
                        return Ok(());
                    }
                    Ok(Ok(Ok(result))) => Response::Completed(result),
                    Ok(Ok(Err(error))) => Response::Rejected(failure_of(error)),
                    Err(panic) => {
                        return Err(TaskFault::HandlerPanicked {
                            handler: format!("update handler `{name}`"),
                            panic,
                        });
                    }
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
                    self.spawn_handler(executor, what.clone(), async move {
                        let response = match AssertUnwindSafe(future).catch_unwind().await {
                            Ok(Ok(result)) => Response::Completed(result),
                            Ok(Err(error)) => Response::Rejected(failure_of(error)),
                            // The executor turns the panic into a task failure; the handler's
                            // name goes with it. `resume_unwind` skips the panic hook, which
                            // already reported the first panic.
                            Err(payload) => std::panic::resume_unwind(Box::new(panicked(
                                &what,
                                &CaughtPanic::from_payload(&*payload),
                            ))),
                        };
                        let mut shared = shared.borrow_mut();
                        if !shared.finished {
                            shared.commands.push(update_response(id, response));
                        }
                    });
                }
            },
        }
        Ok(())
    }
}

/// The handlers of a run whose input does not decode: with no input there is no state to run
/// handlers on. The run's task fails the workflow with the decode error; until it does, a
/// signal is dropped with a warning, and a query fails and an update is rejected with an error
/// that names the failed start.
pub(crate) struct FailedStart {
    shared: Rc<RefCell<RunShared>>,
    /// Why there is no state, in the words of the answers.
    reason: String,
}

impl FailedStart {
    pub(crate) fn new<W: WorkflowDefinition>(
        shared: &Rc<RefCell<RunShared>>,
        error: &PayloadError,
    ) -> Self {
        Self {
            shared: Rc::clone(shared),
            reason: format!(
                "workflow `{}` received an input it cannot decode, so it has no state to handle it: {}",
                W::NAME,
                error.message()
            ),
        }
    }

    fn failure(&self, what: String) -> Failure {
        application_failure(
            failure_type::PAYLOAD_ERROR,
            &format!("{what}: {}", self.reason),
            Retry::NonRetryable,
            None,
        )
    }
}

impl RunHandlers for FailedStart {
    fn signal(&self, _executor: &mut Executor, signal: SignalWorkflow) -> Result<(), TaskFault> {
        if !self.shared.borrow().replaying {
            tracing::warn!("signal `{}` dropped: {}", signal.signal_name, self.reason);
        }
        Ok(())
    }

    fn query(&self, query: QueryWorkflow) -> workflow_command::Variant {
        let failure = self.failure(format!("query `{}` failed", query.query_type));
        workflow_command::Variant::RespondToQuery(QueryResult {
            query_id: query.query_id,
            variant: Some(query_result::Variant::Failed(failure)),
        })
    }

    fn update(&self, _executor: &mut Executor, update: DoUpdate) -> Result<(), TaskFault> {
        let failure = self.failure(format!("update `{}` rejected", update.name));
        let response = update_response(
            update.protocol_instance_id,
            update_response::Response::Rejected(failure),
        );
        self.shared.borrow_mut().commands.push(response);
        Ok(())
    }
}

/// Built-in query names every Temporal SDK answers.
const WORKFLOW_METADATA_QUERY: &str = "__temporal_workflow_metadata";
const STACK_TRACE_QUERY: &str = "__stack_trace";

/// An update whose arguments do not decode is rejected before it is accepted.
fn decode_rejection(name: &str, error: PayloadError) -> update_response::Response {
    update_response::Response::Rejected(application_failure(
        failure_type::PAYLOAD_ERROR,
        &format!("update `{name}`: {}", error.message()),
        Retry::NonRetryable,
        None,
    ))
}
