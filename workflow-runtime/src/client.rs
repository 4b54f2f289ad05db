//! The client: connect to a Temporal server, start workflows by their `#[run]` method and read
//! typed results.

use std::{any::TypeId, future::Future, marker::PhantomData, time::Duration};

use temporalio_client::{
    ClientTlsOptions, ConnectionOptions, TlsOptions, grpc::WorkflowService, tonic,
};
use temporalio_common::protos::temporal::api::{
    common::v1::{Payloads, WorkflowExecution, WorkflowType},
    enums::v1::{
        HistoryEventFilterType, TaskQueueKind, UpdateWorkflowExecutionLifecycleStage,
        WorkflowIdConflictPolicy,
    },
    history::v1::{HistoryEvent, history_event::Attributes},
    query::v1::WorkflowQuery,
    taskqueue::v1::TaskQueue,
    update::v1::{Input, Meta, Outcome, Request, UpdateRef, WaitPolicy, outcome},
    workflowservice::v1::{
        ExecuteMultiOperationRequest, GetWorkflowExecutionHistoryRequest,
        PollWorkflowExecutionUpdateRequest, QueryWorkflowRequest,
        RequestCancelWorkflowExecutionRequest, SignalWithStartWorkflowExecutionRequest,
        SignalWorkflowExecutionRequest, StartWorkflowExecutionRequest,
        TerminateWorkflowExecutionRequest, UpdateWorkflowExecutionRequest,
        UpdateWorkflowExecutionResponse, execute_multi_operation_request,
        execute_multi_operation_response,
    },
};

use crate::{
    definition::{WorkflowDefinition, WorkflowRunFn},
    error::{UpdateFailed, WorkflowFailed},
    handlers::{HandlerArgs, HandlerKind, QueryFn, SignalFn, UpdateFn},
    options::{RetryPolicy, proto_duration},
    payload::{Payload, PayloadError, decode_result},
};

/// Where and how to connect.
///
/// ```
/// use workflow_runtime::ClientOptions;
/// let options = ClientOptions::new("127.0.0.1:7233").namespace("default");
/// assert_eq!(options.get_namespace(), "default");
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    address: String,
    namespace: String,
    identity: Option<String>,
    api_key: Option<String>,
    tls: Option<TlsOptions>,
}

impl Default for ClientOptions {
    /// The local dev server: `localhost:7233`, namespace `default`.
    fn default() -> Self {
        Self::new("localhost:7233")
    }
}

impl ClientOptions {
    /// Connects to `address` (`host:port`, or a URL) in namespace `default`, without TLS.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            namespace: "default".to_owned(),
            identity: None,
            api_key: None,
            tls: None,
        }
    }

    /// Reads the standard Temporal client configuration: the environment variables
    /// `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
    /// `TEMPORAL_TLS_CLIENT_CERT_PATH`, `TEMPORAL_TLS_CLIENT_KEY_PATH`,
    /// `TEMPORAL_TLS_SERVER_CA_CERT_PATH`, `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_PROFILE`, and
    /// the profile file (`TEMPORAL_CONFIG_FILE`, by default `~/.config/temporalio/temporal.toml`),
    /// as every Temporal SDK and the CLI do. Unset values default to the local dev server.
    pub fn from_env() -> Result<Self, ClientError> {
        let (connection, client) =
            temporalio_client::ClientOptions::load_from_config(Default::default())
                .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(Self {
            address: connection.target.to_string(),
            namespace: client.namespace.clone(),
            identity: None,
            api_key: connection.api_key,
            tls: connection.tls_options,
        })
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// The namespace.
    pub fn get_namespace(&self) -> &str {
        &self.namespace
    }

    /// Sets the identity shown in workflow histories (default `pid@hostname`).
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = Some(identity.into());
        self
    }

    /// Authenticates with an API key (Temporal Cloud); turns TLS on.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self.tls.get_or_insert_with(TlsOptions::default);
        self
    }

    /// Turns TLS on; `server_ca_pem` overrides the system roots, `domain` the server name.
    pub fn tls(mut self, server_ca_pem: Option<Vec<u8>>, domain: Option<String>) -> Self {
        let tls = self.tls.get_or_insert_with(TlsOptions::default);
        tls.server_root_ca_cert = server_ca_pem;
        tls.domain = domain;
        self
    }

    /// Adds a client certificate and key (PEM) for mutual TLS; turns TLS on.
    pub fn client_certificate(mut self, cert_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        let tls = self.tls.get_or_insert_with(TlsOptions::default);
        tls.client_tls_options = Some(
            ClientTlsOptions::builder()
                .client_cert(cert_pem)
                .client_private_key(key_pem)
                .build(),
        );
        self
    }

    fn url(&self) -> Result<url::Url, ClientError> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let with_scheme = if self.address.contains("://") {
            self.address.clone()
        } else {
            format!("{scheme}://{}", self.address)
        };
        url::Url::parse(&with_scheme).map_err(|e| {
            ClientError::Config(format!(
                "invalid server address `{}`: {e} (expected host:port, e.g. 127.0.0.1:7233)",
                self.address
            ))
        })
    }
}

pub(crate) fn default_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{}@{}", std::process::id(), host.trim())
}

/// Errors from client calls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The configuration is invalid.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The server could not be reached.
    #[error("cannot connect to the Temporal server at {address}: {message}")]
    Connect {
        /// The address tried.
        address: String,
        /// What went wrong.
        message: String,
    },
    /// A workflow with this id is already running.
    #[error("workflow `{workflow_id}` is already running; pick another id or wait for it to close")]
    AlreadyStarted {
        /// The workflow id.
        workflow_id: String,
    },
    /// No such workflow.
    #[error("workflow `{workflow_id}` not found: {message}")]
    NotFound {
        /// The workflow id.
        workflow_id: String,
        /// The server's message.
        message: String,
    },
    /// An input or result did not convert.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The workflow failed.
    #[error(transparent)]
    Failed(#[from] WorkflowFailed),
    /// The workflow was cancelled.
    #[error("workflow `{workflow_id}` was cancelled")]
    Cancelled {
        /// The workflow id.
        workflow_id: String,
    },
    /// The workflow was terminated.
    #[error("workflow `{workflow_id}` was terminated: {reason}")]
    Terminated {
        /// The workflow id.
        workflow_id: String,
        /// The reason given.
        reason: String,
    },
    /// The workflow exceeded its execution or run timeout.
    #[error("workflow `{workflow_id}` timed out")]
    TimedOut {
        /// The workflow id.
        workflow_id: String,
    },
    /// An update was rejected by its validator or failed in its handler.
    #[error(transparent)]
    UpdateFailed(#[from] UpdateFailed),
    /// A query failed: no such query, an argument that does not decode, or a panic in the
    /// handler.
    #[error("query `{query}` failed: {message}")]
    QueryFailed {
        /// The query's name.
        query: String,
        /// What the worker or the server said.
        message: String,
    },
    /// The method passed to a typed call is not a handler of that kind on this workflow.
    #[error("{0}")]
    NotAHandler(String),
    /// Any other server error.
    #[error("Temporal server error ({code:?}): {message}")]
    Rpc {
        /// The gRPC status code.
        code: tonic::Code,
        /// The server's message.
        message: String,
    },
}

impl ClientError {
    fn rpc(status: tonic::Status) -> Self {
        Self::Rpc {
            code: status.code(),
            message: status.message().to_owned(),
        }
    }

    /// Maps a status from a call on an existing workflow.
    fn on_workflow(workflow_id: &str, status: tonic::Status) -> Self {
        match status.code() {
            tonic::Code::NotFound => ClientError::NotFound {
                workflow_id: workflow_id.to_owned(),
                message: status.message().to_owned(),
            },
            _ => ClientError::rpc(status),
        }
    }
}

/// How long `start_update` waits before it returns the update's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UpdateStage {
    /// Until the workflow accepted the update (its validator passed).
    #[default]
    Accepted,
    /// Until the update's handler finished.
    Completed,
}

/// Options of an update call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateOptions {
    update_id: Option<String>,
    wait_for: UpdateStage,
}

impl UpdateOptions {
    /// Default options: a random update id, wait until accepted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the update id. Updates with the same id run once per workflow run: a retried
    /// call gets the first call's outcome.
    pub fn update_id(mut self, update_id: impl Into<String>) -> Self {
        self.update_id = Some(update_id.into());
        self
    }

    /// Sets how long `start_update` waits.
    pub fn wait_for(mut self, stage: UpdateStage) -> Self {
        self.wait_for = stage;
        self
    }
}

fn lifecycle_stage(stage: UpdateStage) -> i32 {
    match stage {
        UpdateStage::Accepted => UpdateWorkflowExecutionLifecycleStage::Accepted as i32,
        UpdateStage::Completed => UpdateWorkflowExecutionLifecycleStage::Completed as i32,
    }
}

/// The wire name of handler method `F` of workflow `W`.
fn handler_name<W: WorkflowDefinition, F: 'static>(
    kind: HandlerKind,
) -> Result<&'static str, ClientError> {
    W::handlers()
        .name_of(kind, TypeId::of::<F>())
        .ok_or_else(|| {
            ClientError::NotAHandler(format!(
                "`{}` is not a {} handler of workflow `{}`; its {} are: {}",
                std::any::type_name::<F>(),
                kind.attribute(),
                W::NAME,
                kind.plural(),
                W::handlers().names(kind)
            ))
        })
}

/// How to start a workflow: its id and task queue, plus optional timeouts and retry policy.
#[derive(Debug, Clone, PartialEq)]
pub struct StartOptions {
    workflow_id: String,
    task_queue: String,
    execution_timeout: Option<Duration>,
    run_timeout: Option<Duration>,
    task_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
}

impl StartOptions {
    /// Starts workflow `workflow_id` on `task_queue`.
    pub fn new(workflow_id: impl Into<String>, task_queue: impl Into<String>) -> Self {
        Self {
            workflow_id: workflow_id.into(),
            task_queue: task_queue.into(),
            execution_timeout: None,
            run_timeout: None,
            task_timeout: None,
            retry: None,
        }
    }

    /// Limits the whole execution, retries and continue-as-new included.
    pub fn execution_timeout(mut self, timeout: Duration) -> Self {
        self.execution_timeout = Some(timeout);
        self
    }

    /// Limits one run.
    pub fn run_timeout(mut self, timeout: Duration) -> Self {
        self.run_timeout = Some(timeout);
        self
    }

    /// Limits one workflow task (server default 10 s).
    pub fn task_timeout(mut self, timeout: Duration) -> Self {
        self.task_timeout = Some(timeout);
        self
    }

    /// Retries the whole workflow on failure.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

/// A connection to a Temporal namespace. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    connection: temporalio_client::Connection,
    namespace: String,
    identity: String,
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
            .maybe_api_key(options.api_key.clone())
            .maybe_tls_options(options.tls.clone())
            .build();
        let connection = temporalio_client::Connection::connect(connection_options)
            .await
            .map_err(|e| ClientError::Connect {
                address: url.to_string(),
                message: e.to_string(),
            })?;
        Ok(Self {
            connection,
            namespace: options.namespace,
            identity,
        })
    }

    /// The namespace this client works in.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub(crate) fn connection(&self) -> &temporalio_client::Connection {
        &self.connection
    }

    pub(crate) fn identity(&self) -> &str {
        &self.identity
    }

    fn service(&self) -> Box<dyn WorkflowService> {
        self.connection.workflow_service()
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
        Ok(WorkflowHandle {
            untyped,
            _workflow: PhantomData,
        })
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
        StartWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_id: options.workflow_id.clone(),
            workflow_type: Some(WorkflowType {
                name: workflow_type.to_owned(),
            }),
            task_queue: Some(task_queue(&options.task_queue)),
            input: Some(Payloads {
                payloads: arguments,
            }),
            workflow_execution_timeout: options.execution_timeout.map(proto_duration),
            workflow_run_timeout: options.run_timeout.map(proto_duration),
            workflow_task_timeout: options.task_timeout.map(proto_duration),
            retry_policy: options.retry.as_ref().map(RetryPolicy::to_proto),
            identity: self.identity.clone(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        }
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
        let response = self
            .service()
            .start_workflow_execution(tonic::Request::new(request))
            .await
            .map_err(|status| match status.code() {
                tonic::Code::AlreadyExists => ClientError::AlreadyStarted {
                    workflow_id: options.workflow_id.clone(),
                },
                _ => ClientError::rpc(status),
            })?
            .into_inner();
        Ok(UntypedWorkflowHandle {
            client: self.clone(),
            workflow_id: options.workflow_id,
            run_id: Some(response.run_id),
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
    /// #         ctx.wait_condition(|s| s.items.len() >= 3).await; Ok(3) }
    /// #     #[signal] fn add(&mut self, item: String) { self.items.push(item); }
    /// # }
    /// # async fn demo(client: Client) -> Result<(), workflow_runtime::ClientError> {
    /// let options = StartOptions::new("cart-7", "carts");
    /// let cart = client
    ///     .signal_with_start(Cart::run, "ana".to_owned(), options, Cart::add, "book".to_owned())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn signal_with_start<R, RunArgs, S, Sig>(
        &self,
        _run: R,
        input: <R::Workflow as WorkflowDefinition>::Input,
        options: StartOptions,
        _signal: S,
        signal_input: <S::Args as HandlerArgs>::Input,
    ) -> Result<WorkflowHandle<R::Workflow>, ClientError>
    where
        R: WorkflowRunFn<RunArgs>,
        S: SignalFn<R::Workflow, Sig> + 'static,
    {
        let signal_name = handler_name::<R::Workflow, S>(HandlerKind::Signal)?;
        let arguments = <R::Workflow as WorkflowDefinition>::encode_input(&input)?;
        let signal_arguments = S::Args::encode(&signal_input)?;
        let start = self.start_request(
            <R::Workflow as WorkflowDefinition>::NAME,
            arguments,
            &options,
        );
        let request = SignalWithStartWorkflowExecutionRequest {
            namespace: start.namespace,
            workflow_id: start.workflow_id,
            workflow_type: start.workflow_type,
            task_queue: start.task_queue,
            input: start.input,
            workflow_execution_timeout: start.workflow_execution_timeout,
            workflow_run_timeout: start.workflow_run_timeout,
            workflow_task_timeout: start.workflow_task_timeout,
            identity: start.identity,
            request_id: start.request_id,
            retry_policy: start.retry_policy,
            signal_name: signal_name.to_owned(),
            signal_input: Some(Payloads {
                payloads: signal_arguments,
            }),
            ..Default::default()
        };
        let response = self
            .service()
            .signal_with_start_workflow_execution(tonic::Request::new(request))
            .await
            .map_err(ClientError::rpc)?
            .into_inner();
        Ok(WorkflowHandle {
            untyped: UntypedWorkflowHandle {
                client: self.clone(),
                workflow_id: options.workflow_id,
                run_id: Some(response.run_id),
            },
            _workflow: PhantomData,
        })
    }

    /// Sends an update to a workflow, starting the workflow first if it is not running, and
    /// waits for the update's result. A running workflow with the same id receives the update
    /// (its run is not restarted).
    pub async fn update_with_start<R, RunArgs, U, Sig>(
        &self,
        _run: R,
        input: <R::Workflow as WorkflowDefinition>::Input,
        options: StartOptions,
        _update: U,
        update_input: <U::Args as HandlerArgs>::Input,
    ) -> Result<(WorkflowHandle<R::Workflow>, U::Output), ClientError>
    where
        R: WorkflowRunFn<RunArgs>,
        U: UpdateFn<R::Workflow, Sig> + 'static,
    {
        let update_name = handler_name::<R::Workflow, U>(HandlerKind::Update)?;
        let arguments = <R::Workflow as WorkflowDefinition>::encode_input(&input)?;
        let update_arguments = U::Args::encode(&update_input)?;
        let mut start = self.start_request(
            <R::Workflow as WorkflowDefinition>::NAME,
            arguments,
            &options,
        );
        start.workflow_id_conflict_policy = WorkflowIdConflictPolicy::UseExisting as i32;
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
        let response = self
            .service()
            .execute_multi_operation(tonic::Request::new(request))
            .await
            .map_err(ClientError::rpc)?
            .into_inner();
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
        let update_response = update_response.ok_or_else(|| ClientError::Rpc {
            code: tonic::Code::Internal,
            message: "the server's update-with-start response has no update result".to_owned(),
        })?;
        let update_handle = handle.update_handle(update_name, update_response);
        let payloads = update_handle.result_payloads().await?;
        let output = decode_result(payloads.first())?;
        let workflow = WorkflowHandle {
            untyped: UntypedWorkflowHandle { run_id, ..handle },
            _workflow: PhantomData,
        };
        Ok((workflow, output))
    }

    /// A handle to an existing workflow, by id (its latest run).
    pub fn handle<W: WorkflowDefinition>(
        &self,
        workflow_id: impl Into<String>,
    ) -> WorkflowHandle<W> {
        WorkflowHandle {
            untyped: self.untyped_handle(workflow_id, None),
            _workflow: PhantomData,
        }
    }

    /// An untyped handle to an existing workflow, by id and optionally run id.
    pub fn untyped_handle(
        &self,
        workflow_id: impl Into<String>,
        run_id: Option<String>,
    ) -> UntypedWorkflowHandle {
        UntypedWorkflowHandle {
            client: self.clone(),
            workflow_id: workflow_id.into(),
            run_id,
        }
    }
}

/// A workflow execution with a known type: typed result, cancel, terminate.
pub struct WorkflowHandle<W> {
    untyped: UntypedWorkflowHandle,
    _workflow: PhantomData<fn() -> W>,
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
    pub fn signal<F, Sig>(
        &self,
        _signal: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> impl Future<Output = Result<(), ClientError>> + '_
    where
        F: SignalFn<W, Sig> + 'static,
    {
        let name = handler_name::<W, F>(HandlerKind::Signal);
        let arguments = F::Args::encode(&input);
        async move { self.untyped.signal(name?, arguments?).await }
    }

    /// Queries the workflow's state through a `#[query]` method:
    /// `handle.query(OrderWorkflow::status, ())`. Answered from the workflow's current state,
    /// also while it waits on an activity or a timer, and after it closed.
    pub fn query<F, Sig>(
        &self,
        _query: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> impl Future<Output = Result<F::Output, ClientError>> + '_
    where
        F: QueryFn<W, Sig> + 'static,
    {
        let name = handler_name::<W, F>(HandlerKind::Query);
        let arguments = F::Args::encode(&input);
        async move {
            let payloads = self.untyped.query(name?, arguments?).await?;
            Ok(decode_result(payloads.first())?)
        }
    }

    /// Sends an update through an `#[update]` method and waits for its result. A rejection by
    /// the validator or an error from the handler comes back as
    /// [`ClientError::UpdateFailed`].
    pub fn update<F, Sig>(
        &self,
        update: F,
        input: <F::Args as HandlerArgs>::Input,
    ) -> impl Future<Output = Result<F::Output, ClientError>> + '_
    where
        F: UpdateFn<W, Sig> + 'static,
    {
        let started = self.start_update(update, input, UpdateOptions::new());
        async move { started.await?.result().await }
    }

    /// Sends an update and returns its handle once the stage in `options` is reached
    /// (accepted, by default).
    pub fn start_update<F, Sig>(
        &self,
        _update: F,
        input: <F::Args as HandlerArgs>::Input,
        options: UpdateOptions,
    ) -> impl Future<Output = Result<UpdateHandle<F::Output>, ClientError>> + '_
    where
        F: UpdateFn<W, Sig> + 'static,
    {
        let name = handler_name::<W, F>(HandlerKind::Update);
        let arguments = F::Args::encode(&input);
        async move {
            let untyped = self
                .untyped
                .start_update(name?, arguments?, options)
                .await?;
            Ok(UpdateHandle {
                untyped,
                _output: PhantomData,
            })
        }
    }
}

/// A workflow execution addressed by id, with raw payloads.
#[derive(Debug, Clone)]
pub struct UntypedWorkflowHandle {
    client: Client,
    workflow_id: String,
    run_id: Option<String>,
}

impl UntypedWorkflowHandle {
    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The run id, when known.
    pub fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    fn execution(&self, run_id: Option<&str>) -> WorkflowExecution {
        WorkflowExecution {
            workflow_id: self.workflow_id.clone(),
            run_id: run_id.unwrap_or_default().to_owned(),
        }
    }

    /// Waits for the workflow to close (following continue-as-new and retries) and returns
    /// its result payloads.
    pub async fn result_payloads(&self) -> Result<Vec<Payload>, ClientError> {
        let mut run_id = self.run_id.clone();
        let mut page_token = Vec::new();
        loop {
            let request = GetWorkflowExecutionHistoryRequest {
                namespace: self.client.namespace.clone(),
                execution: Some(self.execution(run_id.as_deref())),
                wait_new_event: true,
                history_event_filter_type: HistoryEventFilterType::CloseEvent as i32,
                skip_archival: true,
                next_page_token: page_token.clone(),
                ..Default::default()
            };
            let response = self
                .client
                .service()
                .get_workflow_execution_history(tonic::Request::new(request))
                .await
                .map_err(|status| match status.code() {
                    tonic::Code::NotFound => ClientError::NotFound {
                        workflow_id: self.workflow_id.clone(),
                        message: status.message().to_owned(),
                    },
                    _ => ClientError::rpc(status),
                })?
                .into_inner();
            let close = response
                .history
                .and_then(|h| h.events.into_iter().next())
                .and_then(|e| e.attributes);
            let Some(close) = close else {
                // The long poll expired before the workflow closed: poll again.
                page_token = response.next_page_token;
                continue;
            };
            page_token.clear();
            let workflow_id = self.workflow_id.clone();
            return match close {
                Attributes::WorkflowExecutionCompletedEventAttributes(done) => {
                    if !done.new_execution_run_id.is_empty() {
                        run_id = Some(done.new_execution_run_id);
                        continue;
                    }
                    Ok(done.result.map(|p| p.payloads).unwrap_or_default())
                }
                Attributes::WorkflowExecutionFailedEventAttributes(failed) => {
                    if !failed.new_execution_run_id.is_empty() {
                        run_id = Some(failed.new_execution_run_id);
                        continue;
                    }
                    Err(ClientError::Failed(WorkflowFailed {
                        failure: Box::new(failed.failure.unwrap_or_default()),
                    }))
                }
                Attributes::WorkflowExecutionTimedOutEventAttributes(timed_out) => {
                    if !timed_out.new_execution_run_id.is_empty() {
                        run_id = Some(timed_out.new_execution_run_id);
                        continue;
                    }
                    Err(ClientError::TimedOut { workflow_id })
                }
                Attributes::WorkflowExecutionContinuedAsNewEventAttributes(next) => {
                    run_id = Some(next.new_execution_run_id);
                    continue;
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
                other => Err(ClientError::Rpc {
                    code: tonic::Code::Internal,
                    message: format!("unexpected close event {other:?}"),
                }),
            };
        }
    }

    /// The run's full event history, as recorded by the server (for checks in tests, and
    /// for saving histories to replay).
    pub async fn history(&self) -> Result<Vec<HistoryEvent>, ClientError> {
        let mut events = Vec::new();
        let mut page_token = Vec::new();
        loop {
            let request = GetWorkflowExecutionHistoryRequest {
                namespace: self.client.namespace.clone(),
                execution: Some(self.execution(self.run_id.as_deref())),
                next_page_token: page_token,
                ..Default::default()
            };
            let response = self
                .client
                .service()
                .get_workflow_execution_history(tonic::Request::new(request))
                .await
                .map_err(ClientError::rpc)?
                .into_inner();
            events.extend(response.history.map(|h| h.events).unwrap_or_default());
            if response.next_page_token.is_empty() {
                return Ok(events);
            }
            page_token = response.next_page_token;
        }
    }

    /// Sends a signal by name with raw payloads.
    pub async fn signal(&self, name: &str, arguments: Vec<Payload>) -> Result<(), ClientError> {
        let request = SignalWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.execution(None)),
            signal_name: name.to_owned(),
            input: Some(Payloads {
                payloads: arguments,
            }),
            identity: self.client.identity.clone(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        self.client
            .service()
            .signal_workflow_execution(tonic::Request::new(request))
            .await
            .map_err(|status| ClientError::on_workflow(&self.workflow_id, status))?;
        Ok(())
    }

    /// Queries by name with raw payloads; returns the result payloads.
    pub async fn query(
        &self,
        name: &str,
        arguments: Vec<Payload>,
    ) -> Result<Vec<Payload>, ClientError> {
        let request = QueryWorkflowRequest {
            namespace: self.client.namespace.clone(),
            execution: Some(self.execution(None)),
            query: Some(WorkflowQuery {
                query_type: name.to_owned(),
                query_args: Some(Payloads {
                    payloads: arguments,
                }),
                header: None,
            }),
            ..Default::default()
        };
        let response = self
            .client
            .service()
            .query_workflow(tonic::Request::new(request))
            .await
            .map_err(|status| match status.code() {
                tonic::Code::NotFound => ClientError::on_workflow(&self.workflow_id, status),
                tonic::Code::InvalidArgument | tonic::Code::Unknown | tonic::Code::Internal => {
                    ClientError::QueryFailed {
                        query: name.to_owned(),
                        message: status.message().to_owned(),
                    }
                }
                _ => ClientError::rpc(status),
            })?
            .into_inner();
        if let Some(rejected) = response.query_rejected {
            return Err(ClientError::QueryFailed {
                query: name.to_owned(),
                message: format!("rejected: the workflow is in status {}", rejected.status),
            });
        }
        Ok(response
            .query_result
            .map(|p| p.payloads)
            .unwrap_or_default())
    }

    fn update_request(
        &self,
        name: &str,
        arguments: Vec<Payload>,
        options: &UpdateOptions,
    ) -> UpdateWorkflowExecutionRequest {
        UpdateWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.execution(None)),
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

    fn update_handle(
        &self,
        name: &str,
        response: UpdateWorkflowExecutionResponse,
    ) -> UntypedUpdateHandle {
        let update_ref = response.update_ref.unwrap_or_else(|| UpdateRef {
            workflow_execution: Some(self.execution(None)),
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
        loop {
            let response = self
                .client
                .service()
                .update_workflow_execution(tonic::Request::new(request.clone()))
                .await
                .map_err(|status| ClientError::on_workflow(&self.workflow_id, status))?
                .into_inner();
            // The server returns early when its long poll expires; ask again until the stage
            // is reached. The same update id makes the retry idempotent.
            if response.outcome.is_some() || response.stage >= wanted {
                return Ok(self.update_handle(name, response));
            }
        }
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

    /// Requests cancellation.
    pub async fn cancel(&self) -> Result<(), ClientError> {
        let request = RequestCancelWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.execution(None)),
            identity: self.client.identity.clone(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        self.client
            .service()
            .request_cancel_workflow_execution(tonic::Request::new(request))
            .await
            .map_err(ClientError::rpc)?;
        Ok(())
    }

    /// Terminates the workflow immediately.
    pub async fn terminate(&self, reason: &str) -> Result<(), ClientError> {
        let request = TerminateWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.execution(None)),
            reason: reason.to_owned(),
            identity: self.client.identity.clone(),
            ..Default::default()
        };
        self.client
            .service()
            .terminate_workflow_execution(tonic::Request::new(request))
            .await
            .map_err(ClientError::rpc)?;
        Ok(())
    }
}

/// An update that was sent; `result()` waits for its typed outcome.
#[derive(Debug)]
pub struct UpdateHandle<T> {
    untyped: UntypedUpdateHandle,
    _output: PhantomData<fn() -> T>,
}

impl<T: serde::de::DeserializeOwned> UpdateHandle<T> {
    /// The update id.
    pub fn update_id(&self) -> &str {
        self.untyped.update_id()
    }

    /// Waits for the update's handler to finish and returns its result.
    pub async fn result(self) -> Result<T, ClientError> {
        let payloads = self.untyped.result_payloads().await?;
        Ok(decode_result(payloads.first())?)
    }
}

/// An update addressed by id, with raw payloads.
#[derive(Debug)]
pub struct UntypedUpdateHandle {
    client: Client,
    workflow_id: String,
    name: String,
    update_ref: UpdateRef,
    outcome: Option<Outcome>,
}

impl UntypedUpdateHandle {
    /// The update id.
    pub fn update_id(&self) -> &str {
        &self.update_ref.update_id
    }

    /// Waits for the update's handler to finish and returns its result payloads.
    pub async fn result_payloads(mut self) -> Result<Vec<Payload>, ClientError> {
        loop {
            if let Some(outcome) = self.outcome.take() {
                return match outcome.value {
                    Some(outcome::Value::Success(payloads)) => Ok(payloads.payloads),
                    Some(outcome::Value::Failure(failure)) => {
                        Err(ClientError::UpdateFailed(UpdateFailed {
                            update: self.name,
                            failure: Box::new(failure),
                        }))
                    }
                    None => Ok(Vec::new()),
                };
            }
            let request = PollWorkflowExecutionUpdateRequest {
                namespace: self.client.namespace.clone(),
                update_ref: Some(self.update_ref.clone()),
                identity: self.client.identity.clone(),
                wait_policy: Some(WaitPolicy {
                    lifecycle_stage: UpdateWorkflowExecutionLifecycleStage::Completed as i32,
                }),
            };
            let response = self
                .client
                .service()
                .poll_workflow_execution_update(tonic::Request::new(request))
                .await
                .map_err(|status| ClientError::on_workflow(&self.workflow_id, status))?
                .into_inner();
            self.outcome = response.outcome;
        }
    }
}

fn task_queue(name: &str) -> TaskQueue {
    TaskQueue {
        name: name.to_owned(),
        kind: TaskQueueKind::Normal as i32,
        ..Default::default()
    }
}
