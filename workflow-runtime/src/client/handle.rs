//! Handles to workflow executions: typed ([`WorkflowHandle`], named by the workflow's
//! methods) and untyped ([`UntypedWorkflowHandle`], by name with raw payloads).

use std::{future::Future, marker::PhantomData};

use temporalio_common::protos::temporal::api::{
    common::v1::{Payloads, WorkflowExecution},
    enums::v1::HistoryEventFilterType,
    history::v1::{HistoryEvent, history_event::Attributes},
    query::v1::WorkflowQuery,
    update::v1::{Input, Meta, Request, UpdateRef, WaitPolicy},
    workflowservice::v1::{
        DescribeWorkflowExecutionRequest, GetWorkflowExecutionHistoryRequest,
        GetWorkflowExecutionHistoryResponse, QueryWorkflowRequest,
        RequestCancelWorkflowExecutionRequest, SignalWorkflowExecutionRequest,
        TerminateWorkflowExecutionRequest, UpdateWorkflowExecutionRequest,
        UpdateWorkflowExecutionResponse,
    },
};

use crate::{
    client::{
        Client,
        error::{ClientError, StatusCode},
        rpc,
        update::{UntypedUpdateHandle, UpdateHandle, UpdateOptions, lifecycle_stage},
        visibility::WorkflowDescription,
    },
    error::{WorkflowFailed, received},
    history::WorkflowHistory,
    interceptor::ClientCallKind,
    payload::{Payload, decode_result},
    workflow::{
        WorkflowDefinition,
        handler_fn::{HandlerArgs, QueryFn, SignalFn, UpdateFn},
    },
};

/// A workflow execution with a known type: typed result, cancel, terminate.
pub struct WorkflowHandle<W> {
    untyped: UntypedWorkflowHandle,
    _workflow: PhantomData<fn() -> W>,
}

impl<W> WorkflowHandle<W> {
    pub(crate) fn new(untyped: UntypedWorkflowHandle) -> Self {
        Self {
            untyped,
            _workflow: PhantomData,
        }
    }
}

impl<W> std::fmt::Debug for WorkflowHandle<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.untyped.fmt(f)
    }
}

impl<W> Clone for WorkflowHandle<W> {
    fn clone(&self) -> Self {
        Self {
            untyped: self.untyped.clone(),
            _workflow: PhantomData,
        }
    }
}

impl<W: WorkflowDefinition> WorkflowHandle<W> {
    /// Waits for the workflow to close and returns its typed result.
    pub async fn result(&self) -> Result<W::Output, ClientError> {
        let payloads = self.untyped.result_payloads().await?;
        Ok(decode_result(payloads.first())?)
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        self.untyped.workflow_id()
    }

    /// The run id, when known.
    pub fn run_id(&self) -> Option<&str> {
        self.untyped.run_id()
    }

    /// The untyped handle.
    pub fn untyped(&self) -> &UntypedWorkflowHandle {
        &self.untyped
    }

    /// The run's full event history.
    pub async fn history(&self) -> Result<Vec<HistoryEvent>, ClientError> {
        self.untyped.history().await
    }

    /// The run's history with its workflow id, ready for
    /// [`Replayer::replay`](crate::replay::Replayer::replay).
    pub async fn fetch_history(&self) -> Result<WorkflowHistory, ClientError> {
        self.untyped.fetch_history().await
    }

    /// What the server knows of the run: status, type, start and close times, history
    /// length, search attributes, memo and the activities it waits on.
    pub async fn describe(&self) -> Result<WorkflowDescription, ClientError> {
        self.untyped.describe().await
    }

    /// Requests cancellation.
    pub async fn cancel(&self) -> Result<(), ClientError> {
        self.untyped.cancel().await
    }

    /// Terminates the workflow immediately.
    pub async fn terminate(&self, reason: &str) -> Result<(), ClientError> {
        self.untyped.terminate(reason).await
    }

    /// Sends a signal, naming its `#[signal]` method: `handle.signal(OrderWorkflow::approve,
    /// true)`. Returns once the server recorded it.
    pub fn signal<F: SignalFn<W>>(
        &self,
        signal: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> impl Future<Output = Result<(), ClientError>> + '_ {
        let name = signal.wire_name();
        let arguments = F::Args::encode(&input);
        async move { self.untyped.signal(name, arguments?).await }
    }

    /// Queries the workflow's state through a `#[query]` method:
    /// `handle.query(OrderWorkflow::status, ())`. Answered from the workflow's current state,
    /// also while it waits on an activity or a timer, and after it closed.
    pub fn query<F: QueryFn<W>>(
        &self,
        query: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> impl Future<Output = Result<F::Output, ClientError>> + '_ {
        let name = query.wire_name();
        let arguments = F::Args::encode(&input);
        async move {
            let payloads = self.untyped.query(name, arguments?).await?;
            Ok(decode_result(payloads.first())?)
        }
    }

    /// Sends an update through an `#[update]` method and waits for its result. A rejection by
    /// the validator or an error from the handler comes back as
    /// [`ClientError::UpdateFailed`].
    pub fn update<F: UpdateFn<W>>(
        &self,
        update: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> impl Future<Output = Result<F::Output, ClientError>> + '_ {
        let started = self.start_update(update, input, UpdateOptions::new());
        async move { started.await?.result().await }
    }

    /// Sends an update and returns its handle once the stage in `options` is reached
    /// (accepted, by default).
    pub fn start_update<F: UpdateFn<W>>(
        &self,
        update: F,
        input: <F::Args as HandlerArgs>::Input,
        options: UpdateOptions,
    ) -> impl Future<Output = Result<UpdateHandle<F::Output>, ClientError>> + '_ {
        let name = update.wire_name();
        let arguments = F::Args::encode(&input);
        async move {
            let untyped = self.untyped.start_update(name, arguments?, options).await?;
            Ok(UpdateHandle::new(untyped))
        }
    }
}

impl<W: WorkflowDefinition> WorkflowHandle<W> {
    /// A handle to an update sent earlier, by its `#[update]` method and update id: the update
    /// may come from another process, another client or another language. The result type is
    /// the method's, so `handle.update_handle(OrderWorkflow::change_address, "change-7")
    /// .result().await?` waits for that update's typed outcome. An id the workflow never
    /// received gives [`ClientError::UpdateNotFound`] on `result()`.
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// # #[derive(Default)] pub struct Cart { items: Vec<String> }
    /// # #[workflow] impl Cart {
    /// #     #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) }
    /// #     #[update] fn add(&mut self, item: String) -> WorkflowResult<usize> {
    /// #         self.items.push(item); Ok(self.items.len()) }
    /// # }
    /// # async fn demo(client: Client) -> Result<(), workflow_runtime::ClientError> {
    /// // Elsewhere: handle.start_update(Cart::add, item, UpdateOptions::new().update_id("add-1"))
    /// let count: usize = client
    ///     .handle::<Cart>("cart-7")
    ///     .update_handle(Cart::add, "add-1")
    ///     .result()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_handle<F: UpdateFn<W>>(
        &self,
        update: F,
        update_id: impl Into<String>,
    ) -> UpdateHandle<F::Output> {
        let mut untyped = self.untyped.update_handle(update_id);
        untyped.name = update.wire_name().to_owned();
        UpdateHandle::new(untyped)
    }
}

/// A workflow execution addressed by id, with raw payloads.
///
/// A handle made for a given run ([`Client::untyped_handle`] with a run id) addresses that run
/// in every call: a signal, query, update, cancel or terminate never reaches a later run of the
/// same workflow id, and fails with [`ClientError::NotFound`] once the run is closed (a query
/// still reads a closed run). A handle returned by a start sends signals, queries and updates
/// to the latest run of the workflow id, as every SDK's does, so it keeps working across
/// continue-as-new; its cancel and terminate stay within the chain of runs that start began
/// (a later start's runs are out of reach), and its result, history and description are
/// those of the run it started and the runs that carry it on.
#[derive(Debug, Clone)]
pub struct UntypedWorkflowHandle {
    pub(crate) client: Client,
    pub(crate) workflow_id: String,
    pub(crate) run: RunRef,
}

/// Which run a handle addresses.
#[derive(Debug, Clone)]
pub(crate) enum RunRef {
    /// The latest run of the workflow id.
    Latest,
    /// One run, named by the caller: every call addresses it.
    Given(String),
    /// The first run of a chain a start created: calls reach the latest run, cancel and
    /// terminate only within this chain.
    Started(String),
}

impl RunRef {
    /// The run named by the caller or created by a start.
    fn known(&self) -> Option<&str> {
        match self {
            RunRef::Latest => None,
            RunRef::Given(run_id) | RunRef::Started(run_id) => Some(run_id),
        }
    }

    /// The run id calls put in their `WorkflowExecution` (empty: the latest run).
    fn addressed(&self) -> Option<&str> {
        match self {
            RunRef::Given(run_id) => Some(run_id),
            RunRef::Latest | RunRef::Started(_) => None,
        }
    }

    /// The first run of the chain cancel and terminate are limited to.
    fn first_execution(&self) -> &str {
        match self {
            RunRef::Started(run_id) => run_id,
            RunRef::Latest | RunRef::Given(_) => "",
        }
    }
}

impl UntypedWorkflowHandle {
    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The run id, when known: the run the handle was made for, or the first run its start
    /// created.
    pub fn run_id(&self) -> Option<&str> {
        self.run.known()
    }

    /// The execution every call on the workflow addresses.
    pub(crate) fn addressed(&self) -> WorkflowExecution {
        self.execution(self.run.addressed())
    }

    pub(crate) fn execution(&self, run_id: Option<&str>) -> WorkflowExecution {
        WorkflowExecution {
            workflow_id: self.workflow_id.clone(),
            run_id: run_id.unwrap_or_default().to_owned(),
        }
    }

    /// Waits for the workflow to close (following continue-as-new and retries) and returns
    /// its result payloads.
    pub async fn result_payloads(&self) -> Result<Vec<Payload>, ClientError> {
        // On the time-skipping test server, the clock runs free while the result is awaited.
        self.client.skipping_time(self.wait_for_close()).await
    }

    async fn wait_for_close(&self) -> Result<Vec<Payload>, ClientError> {
        let mut run_id = self.run.known().map(str::to_owned);
        let mut page_token = Vec::new();
        loop {
            let response = match self
                .history_page(run_id.as_deref(), page_token.clone(), Wanted::CloseEvent)
                .await
            {
                Ok(response) => response,
                // The server stayed unreachable past the client's retries (a restart, a cut
                // connection): a wait for a result has no deadline of its own, so it outlasts
                // the outage and asks again.
                Err(error) if error.code() == Some(StatusCode::Unavailable) => {
                    tracing::warn!(
                        workflow_id = %self.workflow_id,
                        "still waiting for the result: the server is unreachable ({error}); asking again in 1 s"
                    );
                    tokio::time::sleep(UNREACHABLE_PAUSE).await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let mut close_event = response.history.and_then(|h| h.events.into_iter().next());
            if let Some(event) = &mut close_event {
                self.client.codec().decode(event).await?;
            }
            let close = close_event.and_then(|e| e.attributes);
            let Some(close) = close else {
                // The long poll expired before the workflow closed: poll again.
                page_token = response.next_page_token;
                continue;
            };
            page_token = Vec::new();
            // Continued as new, or retried: the result is the next run's.
            if let Some(next) = next_run(&close) {
                run_id = Some(next);
                continue;
            }
            let workflow_id = self.workflow_id.clone();
            return match close {
                Attributes::WorkflowExecutionCompletedEventAttributes(done) => {
                    Ok(done.result.map(|p| p.payloads).unwrap_or_default())
                }
                Attributes::WorkflowExecutionFailedEventAttributes(failed) => {
                    Err(ClientError::Failed(WorkflowFailed {
                        failure: received(failed.failure.unwrap_or_default()),
                    }))
                }
                Attributes::WorkflowExecutionTimedOutEventAttributes(_) => {
                    Err(ClientError::TimedOut { workflow_id })
                }
                Attributes::WorkflowExecutionCanceledEventAttributes(_) => {
                    Err(ClientError::Cancelled { workflow_id })
                }
                Attributes::WorkflowExecutionTerminatedEventAttributes(terminated) => {
                    Err(ClientError::Terminated {
                        workflow_id,
                        reason: terminated.reason,
                    })
                }
                other => Err(ClientError::unexpected(format!(
                    "a close event of an unknown kind: {other:?}"
                ))),
            };
        }
    }

    /// One page of the run's history: every event, or a long poll for the close event.
    async fn history_page(
        &self,
        run_id: Option<&str>,
        next_page_token: Vec<u8>,
        wanted: Wanted,
    ) -> Result<GetWorkflowExecutionHistoryResponse, ClientError> {
        let close_only = matches!(wanted, Wanted::CloseEvent);
        let request = GetWorkflowExecutionHistoryRequest {
            namespace: self.client.namespace.clone(),
            execution: Some(self.execution(run_id)),
            next_page_token,
            wait_new_event: close_only,
            history_event_filter_type: if close_only {
                HistoryEventFilterType::CloseEvent as i32
            } else {
                HistoryEventFilterType::Unspecified as i32
            },
            skip_archival: close_only,
            ..Default::default()
        };
        rpc::history_page(&self.client, &self.workflow_id, request).await
    }

    /// The run's full event history, as recorded by the server (for checks in tests, and
    /// for saving histories to replay).
    pub async fn history(&self) -> Result<Vec<HistoryEvent>, ClientError> {
        let mut events = Vec::new();
        let mut page_token = Vec::new();
        loop {
            let response = self
                .history_page(self.run.known(), page_token, Wanted::AllEvents)
                .await?;
            events.extend(response.history.map(|h| h.events).unwrap_or_default());
            if response.next_page_token.is_empty() {
                return Ok(events);
            }
            page_token = response.next_page_token;
        }
    }

    /// The run's history with its workflow id, ready for
    /// [`Replayer::replay`](crate::replay::Replayer::replay).
    pub async fn fetch_history(&self) -> Result<WorkflowHistory, ClientError> {
        let events = self.history().await?;
        WorkflowHistory::new(self.workflow_id.clone(), events).map_err(|source| {
            ClientError::History {
                workflow_id: self.workflow_id.clone(),
                source,
            }
        })
    }

    /// What the server knows of the run (of this handle's run id, or the latest run of the
    /// workflow id): status, type, start and close times, history length, search attributes,
    /// memo and the activities it waits on.
    pub async fn describe(&self) -> Result<WorkflowDescription, ClientError> {
        let request = DescribeWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            execution: Some(self.execution(self.run.known())),
        };
        let response = rpc::describe(&self.client, &self.workflow_id, request).await?;
        Ok(WorkflowDescription::from_response(response))
    }

    /// Sends a signal by name with raw payloads.
    pub async fn signal(&self, name: &str, arguments: Vec<Payload>) -> Result<(), ClientError> {
        let request = SignalWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.addressed()),
            signal_name: name.to_owned(),
            input: Some(Payloads {
                payloads: arguments,
            }),
            identity: self.client.identity.clone(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        rpc::signal(&self.client, &self.workflow_id, request).await
    }

    /// Queries by name with raw payloads; returns the result payloads.
    pub async fn query(
        &self,
        name: &str,
        arguments: Vec<Payload>,
    ) -> Result<Vec<Payload>, ClientError> {
        let request = QueryWorkflowRequest {
            namespace: self.client.namespace.clone(),
            execution: Some(self.addressed()),
            query: Some(WorkflowQuery {
                query_type: name.to_owned(),
                query_args: Some(Payloads {
                    payloads: arguments,
                }),
                header: None,
            }),
            ..Default::default()
        };
        let response = rpc::query(&self.client, &self.workflow_id, request).await?;
        if let Some(rejected) = response.query_rejected {
            return Err(ClientError::QueryFailed {
                query: name.to_owned(),
                message: format!("rejected: the workflow is in status {}", rejected.status),
                status: None,
            });
        }
        Ok(response
            .query_result
            .map(|p| p.payloads)
            .unwrap_or_default())
    }

    /// Requests cancellation.
    pub async fn cancel(&self) -> Result<(), ClientError> {
        let request = RequestCancelWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.addressed()),
            first_execution_run_id: self.run.first_execution().to_owned(),
            identity: self.client.identity.clone(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        rpc::cancel(&self.client, &self.workflow_id, request).await
    }

    /// Terminates the workflow immediately.
    pub async fn terminate(&self, reason: &str) -> Result<(), ClientError> {
        let request = TerminateWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.addressed()),
            reason: reason.to_owned(),
            first_execution_run_id: self.run.first_execution().to_owned(),
            identity: self.client.identity.clone(),
            ..Default::default()
        };
        rpc::terminate(&self.client, &self.workflow_id, request).await
    }
}

impl UntypedWorkflowHandle {
    pub(crate) fn update_request(
        &self,
        name: &str,
        arguments: Vec<Payload>,
        options: &UpdateOptions,
    ) -> UpdateWorkflowExecutionRequest {
        UpdateWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.addressed()),
            wait_policy: Some(WaitPolicy {
                lifecycle_stage: lifecycle_stage(options.wait_for),
            }),
            request: Some(Request {
                meta: Some(Meta {
                    update_id: options
                        .update_id
                        .clone()
                        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                    identity: self.client.identity.clone(),
                }),
                input: Some(Input {
                    header: None,
                    name: name.to_owned(),
                    args: Some(Payloads {
                        payloads: arguments,
                    }),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    pub(crate) fn update_handle_from(
        &self,
        name: &str,
        response: UpdateWorkflowExecutionResponse,
    ) -> UntypedUpdateHandle {
        let update_ref = response.update_ref.unwrap_or_else(|| UpdateRef {
            workflow_execution: Some(self.addressed()),
            update_id: String::new(),
        });
        UntypedUpdateHandle {
            client: self.client.clone(),
            workflow_id: self.workflow_id.clone(),
            name: name.to_owned(),
            update_ref,
            outcome: response.outcome,
        }
    }

    /// A handle to an update sent earlier, by its update id: from another process, another
    /// client or another language (`UpdateOptions::update_id` sets the id, as do the other
    /// SDKs' update calls). It addresses this handle's run, or the latest run when the handle
    /// has no run id. [`UntypedUpdateHandle::result_payloads`] waits for the outcome; an id the
    /// workflow never received gives [`ClientError::UpdateNotFound`].
    ///
    /// An error from this handle names the update by its id, as its name is not known here.
    pub fn update_handle(&self, update_id: impl Into<String>) -> UntypedUpdateHandle {
        let update_id = update_id.into();
        UntypedUpdateHandle {
            client: self.client.clone(),
            workflow_id: self.workflow_id.clone(),
            name: update_id.clone(),
            update_ref: UpdateRef {
                workflow_execution: Some(self.addressed()),
                update_id,
            },
            outcome: None,
        }
    }

    /// Sends an update by name with raw payloads and returns its handle once the stage in
    /// `options` is reached.
    pub async fn start_update(
        &self,
        name: &str,
        arguments: Vec<Payload>,
        options: UpdateOptions,
    ) -> Result<UntypedUpdateHandle, ClientError> {
        let request = self.update_request(name, arguments, &options);
        let wanted = lifecycle_stage(options.wait_for);
        rpc::intercepted(
            &self.client,
            (ClientCallKind::StartWorkflowUpdate, &self.workflow_id, name),
            request,
            |request| {
                &mut request
                    .request
                    .get_or_insert_default()
                    .input
                    .get_or_insert_default()
                    .header
            },
            |request| async move {
                rpc::check_update_size(&self.client, &request).await?;
                loop {
                    let response =
                        rpc::update(&self.client, &self.workflow_id, request.clone()).await?;
                    // The server returns early when its long poll expires; ask again until
                    // the stage is reached. The same update id makes the retry idempotent.
                    if response.outcome.is_some() || response.stage >= wanted {
                        return Ok(self.update_handle_from(name, response));
                    }
                }
            },
        )
        .await
    }

    /// Sends an update by name with raw payloads and waits for its result payloads.
    pub async fn update(
        &self,
        name: &str,
        arguments: Vec<Payload>,
    ) -> Result<Vec<Payload>, ClientError> {
        self.start_update(name, arguments, UpdateOptions::new())
            .await?
            .result_payloads()
            .await
    }
}

/// How long a result wait pauses before it asks an unreachable server again.
const UNREACHABLE_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// Which events a history request asks for.
#[derive(Clone, Copy)]
enum Wanted {
    AllEvents,
    /// Waits for the close event (a long poll).
    CloseEvent,
}

/// The run that carries a closed run's result on: its continuation, or its retry.
fn next_run(close: &Attributes) -> Option<String> {
    let next = match close {
        Attributes::WorkflowExecutionCompletedEventAttributes(done) => &done.new_execution_run_id,
        Attributes::WorkflowExecutionFailedEventAttributes(failed) => &failed.new_execution_run_id,
        Attributes::WorkflowExecutionTimedOutEventAttributes(timed_out) => {
            &timed_out.new_execution_run_id
        }
        Attributes::WorkflowExecutionContinuedAsNewEventAttributes(next) => {
            &next.new_execution_run_id
        }
        _ => return None,
    };
    (!next.is_empty()).then(|| next.clone())
}
