//! The client: connect to a Temporal server, start workflows by their `#[run]` method, and
//! reach running workflows through typed handles.

mod async_activity;
mod deployments;
pub(crate) mod error;
mod handle;
mod options;
mod paging;
mod patch_retirement;
mod rpc;
mod schedules;
mod time_skipping;
mod update;
mod visibility;

use std::sync::Arc;

use temporalio_client::{ConnectionOptions, GrpcCompression, RetryOptions, grpc::WorkflowService};
use temporalio_common::protos::temporal::api::{
    enums::v1::WorkflowIdConflictPolicy,
    workflowservice::v1::{
        DescribeNamespaceRequest, ExecuteMultiOperationRequest, StartWorkflowExecutionRequest,
        execute_multi_operation_request, execute_multi_operation_response,
    },
};

pub use async_activity::{AsyncActivityHandle, AsyncActivityId, AsyncHeartbeat};
pub use deployments::WorkerDeployment;
pub use error::{ClientError, ServerStatus, StatusCode};
pub use handle::{UntypedWorkflowHandle, WorkflowHandle};
pub use options::{ClientOptions, StartOptions};
pub use schedules::{
    Schedule, ScheduleAction, ScheduleCalendar, ScheduleDescription, ScheduleHandle, ScheduleList,
    ScheduleOverlapPolicy, ScheduleSpec, ScheduleSummary, ScheduledRun,
};
pub(crate) use time_skipping::AutoTimeSkipping;
pub use update::{UntypedUpdateHandle, UpdateHandle, UpdateOptions, UpdateStage};
pub use visibility::{
    ActivityState, PendingActivity, WorkflowDescription, WorkflowExecution, WorkflowList,
    WorkflowStatus,
};

use crate::{
    activity::{ActivityDefinition, ActivityFn},
    client::{
        handle::RunRef,
        options::{default_identity, signal_with_start_request},
    },
    codec::Codec,
    interceptor::Interceptors,
    payload::{Payload, decode_result},
    telemetry::Telemetry,
    workflow::{
        WorkflowDefinition, WorkflowRunFn,
        handler_fn::{HandlerArgs, SignalFn, UpdateFn},
    },
};

/// The name this runtime gives itself to the server: in RPC headers and in the SDK metadata of
/// the workflow tasks it completes (the history and the UI show it).
pub(crate) const SDK_NAME: &str = "workflow-runtime";
/// This runtime's version, beside [`SDK_NAME`].
pub(crate) const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A connection to a Temporal namespace. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    connection: temporalio_client::Connection,
    namespace: String,
    identity: String,
    /// Set for a client of the time-skipping test server.
    time_skipping: Option<AutoTimeSkipping>,
    /// Set for a client of a test environment: its workers replay the runs they closed.
    replays_closed_runs: bool,
    /// Where the client's and its workers' metrics go.
    telemetry: Option<Telemetry>,
    /// Run around the client's calls, and its workers' workflow calls and activity attempts.
    interceptors: Interceptors,
    /// Applied to every payload the client and its workers send and receive.
    codec: Codec,
    /// The namespace's payload size limit, asked for once, when first needed.
    payload_limit: Arc<tokio::sync::OnceCell<Option<usize>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("namespace", &self.namespace)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects and checks that the server answers.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), workflow_runtime::ClientError> {
    /// use workflow_runtime::{Client, ClientOptions};
    /// let client = Client::connect(ClientOptions::from_env()?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(options: ClientOptions) -> Result<Self, ClientError> {
        let url = options.url()?;
        let identity = options.identity.clone().unwrap_or_else(default_identity);
        let connection_options = ConnectionOptions::new(url.clone())
            .identity(identity.clone())
            // Named as this project in the `client-name`/`client-version` headers and in the
            // SDK metadata of every workflow task the worker completes.
            .client_name(SDK_NAME)
            .client_version(SDK_VERSION)
            .maybe_api_key(options.api_key.clone())
            .maybe_retry_options(options.retry_budget.map(|budget| {
                RetryOptions::builder()
                    .max_elapsed_time(Some(budget))
                    // No count limit: the budget alone ends the retries.
                    .max_retries(0)
                    .build()
            }))
            .maybe_headers(
                (!options.headers.is_empty())
                    .then(|| options.headers.clone().into_iter().collect()),
            )
            .maybe_tls_options(options.tls.clone())
            .grpc_compression(if options.compresses(&url) {
                GrpcCompression::Gzip
            } else {
                GrpcCompression::None
            })
            .maybe_metrics_meter(options.telemetry.as_ref().map(Telemetry::temporal_meter))
            .build();
        let connection = temporalio_client::Connection::connect(connection_options)
            .await
            .map_err(|e| ClientError::Connect {
                address: url.to_string(),
                source: e.into(),
            })?;
        Ok(Self {
            connection,
            namespace: options.namespace,
            identity,
            time_skipping: None,
            replays_closed_runs: false,
            telemetry: options.telemetry,
            interceptors: options.interceptors,
            codec: options.codec,
            payload_limit: Arc::default(),
        })
    }

    /// This client, skipping the test server's time while it waits on results.
    #[cfg(feature = "testing")]
    pub(crate) fn with_time_skipping(mut self, auto: AutoTimeSkipping) -> Self {
        self.time_skipping = Some(auto);
        self
    }

    /// A client of a test environment, whose workers replay the runs they closed as they
    /// stop ([`Worker::replay_closed_runs`](crate::Worker::replay_closed_runs)).
    #[cfg(feature = "testing")]
    pub(crate) fn replaying_closed_runs(mut self) -> Self {
        self.replays_closed_runs = true;
        self
    }

    pub(crate) fn replays_closed_runs(&self) -> bool {
        self.replays_closed_runs
    }

    pub(crate) fn time_skipping(&self) -> Option<&AutoTimeSkipping> {
        self.time_skipping.as_ref()
    }

    /// A handle on an activity of type `activity` that returned
    /// [`ActivityError::complete_async`](crate::ActivityError::complete_async), addressed by
    /// its task token or by id; [`complete`](AsyncActivityHandle::complete) takes the
    /// activity's result type. No call is made until the handle's methods are.
    pub fn async_activity<F, Args>(
        &self,
        _activity: F,
        id: impl Into<AsyncActivityId>,
    ) -> AsyncActivityHandle<<F::Definition as ActivityDefinition>::Output>
    where
        F: ActivityFn<Args>,
    {
        AsyncActivityHandle::new(self.clone(), id.into())
    }

    /// [`async_activity`](Self::async_activity) for an activity this crate has no function
    /// for (one written in another language): the result type is `O`.
    pub fn async_activity_handle<O: serde::Serialize>(
        &self,
        id: impl Into<AsyncActivityId>,
    ) -> AsyncActivityHandle<O> {
        AsyncActivityHandle::new(self.clone(), id.into())
    }

    /// The namespace this client works in.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub(crate) fn connection(&self) -> &temporalio_client::Connection {
        &self.connection
    }

    pub(crate) fn telemetry(&self) -> Option<&Telemetry> {
        self.telemetry.as_ref()
    }

    pub(crate) fn interceptors(&self) -> &Interceptors {
        &self.interceptors
    }

    pub(crate) fn codec(&self) -> &Codec {
        &self.codec
    }

    /// The namespace's payload size limit, or `None` when the server does not say (or cannot
    /// be asked: the server checks the size anyway).
    pub(crate) async fn payload_limit(&self) -> Option<usize> {
        *self
            .payload_limit
            .get_or_init(|| async {
                let request = DescribeNamespaceRequest {
                    namespace: self.namespace.clone(),
                    ..Default::default()
                };
                rpc::describe_namespace(self, request)
                    .await
                    .ok()
                    .and_then(|response| response.namespace_info?.limits)
                    .and_then(|limits| usize::try_from(limits.blob_size_limit_error).ok())
                    .filter(|limit| *limit > 0)
            })
            .await
    }

    pub(crate) fn identity(&self) -> &str {
        &self.identity
    }

    /// The workflow service with the client library's retries, as every official SDK calls
    /// it: transient failures (the server unavailable or restarting, a connection reset, a
    /// throttled call) are retried with backoff for up to 10 s per call, each attempt with a
    /// deadline (70 s for long polls, 30 s otherwise). `Connection::workflow_service()` would
    /// be the raw gRPC client, which gives up at the first failure.
    pub(crate) fn service(&self) -> Box<dyn WorkflowService> {
        Box::new(self.connection.clone())
    }

    /// Starts a workflow by its `#[run]` method; the input type is checked at compile time.
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// # #[derive(Default)] pub struct OrderWorkflow;
    /// # #[workflow] impl OrderWorkflow {
    /// #     #[run] pub async fn run(_ctx: WorkflowContext<Self>, id: String) -> WorkflowResult<String> { Ok(id) }
    /// # }
    /// # async fn demo(client: Client) -> Result<(), workflow_runtime::ClientError> {
    /// let options = StartOptions::new("order-42", "orders");
    /// let handle = client.start(OrderWorkflow::run, "order-42".to_owned(), options).await?;
    /// let result: String = handle.result().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start<F, Args>(
        &self,
        _run: F,
        input: <F::Workflow as WorkflowDefinition>::Input,
        options: StartOptions,
    ) -> Result<WorkflowHandle<F::Workflow>, ClientError>
    where
        F: WorkflowRunFn<Args>,
    {
        let arguments = <F::Workflow as WorkflowDefinition>::encode_input(&input)?;
        let untyped = self
            .start_untyped(
                <F::Workflow as WorkflowDefinition>::NAME,
                arguments,
                options,
            )
            .await?;
        Ok(WorkflowHandle::new(untyped))
    }

    /// Starts a workflow and waits for its result.
    pub async fn execute<F, Args>(
        &self,
        run: F,
        input: <F::Workflow as WorkflowDefinition>::Input,
        options: StartOptions,
    ) -> Result<<F::Workflow as WorkflowDefinition>::Output, ClientError>
    where
        F: WorkflowRunFn<Args>,
    {
        self.start(run, input, options).await?.result().await
    }

    fn start_request(
        &self,
        workflow_type: &str,
        arguments: Vec<Payload>,
        options: &StartOptions,
    ) -> StartWorkflowExecutionRequest {
        options.start_request(&self.namespace, &self.identity, workflow_type, arguments)
    }

    /// Starts a workflow by type name with raw payloads (for workflows written in other
    /// languages, or unknown at compile time).
    pub async fn start_untyped(
        &self,
        workflow_type: &str,
        arguments: Vec<Payload>,
        options: StartOptions,
    ) -> Result<UntypedWorkflowHandle, ClientError> {
        let request = self.start_request(workflow_type, arguments, &options);
        let response = rpc::start(self, request).await?;
        Ok(UntypedWorkflowHandle {
            client: self.clone(),
            workflow_id: options.workflow_id,
            run: RunRef::Started(response.run_id),
        })
    }

    /// Sends a signal to a workflow, starting the workflow first if it is not running; the
    /// signal is delivered before the workflow's first task either way.
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// # #[derive(Default)] pub struct Cart { items: Vec<String> }
    /// # #[workflow] impl Cart {
    /// #     #[run] async fn run(ctx: WorkflowContext<Self>, owner: String) -> WorkflowResult<usize> {
    /// #         ctx.wait_condition(|s| s.items.len() >= 3).await?; Ok(3) }
    /// #     #[signal] fn add(&mut self, item: String) { self.items.push(item); }
    /// # }
    /// # async fn demo(client: Client) -> Result<(), workflow_runtime::ClientError> {
    /// let options = StartOptions::new("cart-7", "carts");
    /// let cart = client
    ///     .signal_with_start(Cart::run, "ana".to_owned(), options, Cart::add, "book".to_owned())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn signal_with_start<R, RunArgs, S>(
        &self,
        _run: R,
        input: <R::Workflow as WorkflowDefinition>::Input,
        options: StartOptions,
        signal: S,
        signal_input: <S::Args as HandlerArgs>::Input,
    ) -> Result<WorkflowHandle<R::Workflow>, ClientError>
    where
        R: WorkflowRunFn<RunArgs>,
        S: SignalFn<R::Workflow>,
    {
        let signal_name = signal.wire_name();
        let arguments = <R::Workflow as WorkflowDefinition>::encode_input(&input)?;
        let signal_arguments = S::Args::encode(&signal_input)?;
        let start = self.start_request(
            <R::Workflow as WorkflowDefinition>::NAME,
            arguments,
            &options,
        );
        let request = signal_with_start_request(start, signal_name, signal_arguments);
        let response = rpc::signal_with_start(self, request).await?;
        Ok(WorkflowHandle::new(UntypedWorkflowHandle {
            client: self.clone(),
            workflow_id: options.workflow_id,
            run: RunRef::Started(response.run_id),
        }))
    }

    /// Sends an update to a workflow, starting the workflow first if it is not running, and
    /// waits for the update's result. A running workflow with the same id receives the update
    /// (its run is not restarted).
    pub async fn update_with_start<R, RunArgs, U>(
        &self,
        _run: R,
        input: <R::Workflow as WorkflowDefinition>::Input,
        options: StartOptions,
        update: U,
        update_input: <U::Args as HandlerArgs>::Input,
    ) -> Result<(WorkflowHandle<R::Workflow>, U::Output), ClientError>
    where
        R: WorkflowRunFn<RunArgs>,
        U: UpdateFn<R::Workflow>,
    {
        let update_name = update.wire_name();
        let arguments = <R::Workflow as WorkflowDefinition>::encode_input(&input)?;
        let update_arguments = U::Args::encode(&update_input)?;
        let mut start = self.start_request(
            <R::Workflow as WorkflowDefinition>::NAME,
            arguments,
            &options,
        );
        // Eager start hands a first workflow task to a local worker; the update goes through
        // the server whichever way the run starts, so it is not asked for.
        start.request_eager_execution = false;
        // A running workflow receives the update unless the options say otherwise.
        if options.id_conflict_policy.is_none() {
            start.workflow_id_conflict_policy = WorkflowIdConflictPolicy::UseExisting as i32;
        }
        let handle = self.untyped_handle(options.workflow_id.clone(), None);
        let update = handle.update_request(
            update_name,
            update_arguments,
            &UpdateOptions::new().wait_for(UpdateStage::Completed),
        );
        let request = ExecuteMultiOperationRequest {
            namespace: self.namespace.clone(),
            operations: vec![
                execute_multi_operation_request::Operation {
                    operation: Some(
                        execute_multi_operation_request::operation::Operation::StartWorkflow(start),
                    ),
                },
                execute_multi_operation_request::Operation {
                    operation: Some(
                        execute_multi_operation_request::operation::Operation::UpdateWorkflow(
                            update,
                        ),
                    ),
                },
            ],
            ..Default::default()
        };
        let response = rpc::execute_multi_operation(self, request).await?;
        let mut run_id = None;
        let mut update_response = None;
        for response in response.responses {
            use execute_multi_operation_response::response::Response;
            match response.response {
                Some(Response::StartWorkflow(started)) => run_id = Some(started.run_id),
                Some(Response::UpdateWorkflow(updated)) => update_response = Some(updated),
                None => {}
            }
        }
        let update_response = update_response.ok_or_else(|| {
            ClientError::unexpected("the update-with-start response has no update result")
        })?;
        let update_handle = handle.update_handle_from(update_name, update_response);
        let payloads = update_handle.result_payloads().await?;
        let output = decode_result(payloads.first())?;
        let run = run_id.map_or(RunRef::Latest, RunRef::Started);
        let workflow = WorkflowHandle::new(UntypedWorkflowHandle { run, ..handle });
        Ok((workflow, output))
    }

    /// A handle to an existing workflow, by id (its latest run).
    pub fn handle<W: WorkflowDefinition>(
        &self,
        workflow_id: impl Into<String>,
    ) -> WorkflowHandle<W> {
        WorkflowHandle::new(self.untyped_handle(workflow_id, None))
    }

    /// An untyped handle to an existing workflow, by id and optionally run id: with a run id,
    /// every call addresses that run and never a later run of the same id; without, the
    /// latest run.
    pub fn untyped_handle(
        &self,
        workflow_id: impl Into<String>,
        run_id: Option<String>,
    ) -> UntypedWorkflowHandle {
        UntypedWorkflowHandle {
            client: self.clone(),
            workflow_id: workflow_id.into(),
            run: run_id.map_or(RunRef::Latest, RunRef::Given),
        }
    }
}
