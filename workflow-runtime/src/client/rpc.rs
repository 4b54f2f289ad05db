//! The calls to the server's workflow service. Each sends one request through the client
//! library's retrying connection ([`Client::service`]) and turns the server's status into the
//! [`ClientError`] that says what it means for that call; the handles build the requests and
//! read the answers. Requests go out with their payloads encoded by the client's payload codec,
//! and answers come back decoded, except history pages: a history is kept as the server
//! recorded it (the replayer decodes it), and only the result wait decodes its close event.

use temporalio_client::tonic::{self, Code};
use temporalio_common::protos::temporal::api::workflowservice::v1::{
    CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse, CreateScheduleRequest,
    DeleteScheduleRequest, DescribeNamespaceRequest, DescribeNamespaceResponse,
    DescribeScheduleRequest, DescribeScheduleResponse, DescribeWorkerDeploymentRequest,
    DescribeWorkerDeploymentResponse, DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse, ExecuteMultiOperationRequest, ExecuteMultiOperationResponse,
    GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse, ListSchedulesRequest,
    ListSchedulesResponse, ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse,
    PatchScheduleRequest, PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse,
    QueryWorkflowRequest, QueryWorkflowResponse, RecordActivityTaskHeartbeatByIdRequest,
    RecordActivityTaskHeartbeatRequest, RequestCancelWorkflowExecutionRequest,
    RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledRequest,
    RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedRequest,
    RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedRequest,
    SetWorkerDeploymentCurrentVersionRequest, SetWorkerDeploymentCurrentVersionResponse,
    SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse,
    SignalWorkflowExecutionRequest, StartWorkflowExecutionRequest, StartWorkflowExecutionResponse,
    TerminateWorkflowExecutionRequest, UpdateScheduleRequest, UpdateWorkflowExecutionRequest,
    UpdateWorkflowExecutionResponse,
};

use temporalio_common::{
    payload_visitor::PayloadVisitable, protos::temporal::api::common::v1::Header,
};

use crate::{
    client::{Client, error::ClientError},
    interceptor::{ClientCall, ClientCallKind, Headers, intercept_client_call},
};

/// `request` with its payloads encoded by the client's codec.
async fn encoded<M: PayloadVisitable>(client: &Client, mut request: M) -> Result<M, ClientError> {
    client.codec().encode(&mut request).await?;
    Ok(request)
}

/// `response` with its payloads decoded by the client's codec.
async fn decoded<M: PayloadVisitable>(client: &Client, mut response: M) -> Result<M, ClientError> {
    client.codec().decode(&mut response).await?;
    Ok(response)
}

/// The call interceptors see, with the headers the request already holds.
fn client_call(
    kind: ClientCallKind,
    workflow_id: &str,
    name: &str,
    header: &mut Option<Header>,
) -> ClientCall {
    let mut call = ClientCall::new(kind, workflow_id, name);
    if let Some(header) = header.take() {
        *call.headers_mut() = Headers::from_fields(header.fields);
    }
    call
}

/// The request's header, from the headers the interceptors left.
fn header(call: ClientCall) -> Option<Header> {
    let headers = call.into_headers();
    (!headers.is_empty()).then(|| Header {
        fields: headers.into_fields(),
    })
}

/// Sends `request` through the client's interceptors: they see it as a call of `kind` to
/// `workflow_id` named `name`, with the headers `header_of` finds in the request, and `send`
/// gets the request with the headers they left and its payloads encoded by the client's codec
/// (once, however often `send` sends it).
pub(super) async fn intercepted<Req, R, Fut>(
    client: &Client,
    (kind, workflow_id, name): (ClientCallKind, &str, &str),
    mut request: Req,
    header_of: fn(&mut Req) -> &mut Option<Header>,
    send: impl FnOnce(Req) -> Fut + Send,
) -> Result<R, ClientError>
where
    Req: PayloadVisitable,
    R: Send + 'static,
    Fut: Future<Output = Result<R, ClientError>> + Send,
{
    let call = client_call(kind, workflow_id, name, header_of(&mut request));
    intercept_client_call(client.interceptors(), call, |call| async move {
        *header_of(&mut request) = header(call);
        send(encoded(client, request).await?).await
    })
    .await
}

/// Starts a workflow; an id in use is [`ClientError::AlreadyStarted`].
pub(super) async fn start(
    client: &Client,
    request: StartWorkflowExecutionRequest,
) -> Result<StartWorkflowExecutionResponse, ClientError> {
    let workflow_id = request.workflow_id.clone();
    let workflow_type = request.workflow_type.clone().unwrap_or_default().name;
    intercepted(
        client,
        (ClientCallKind::StartWorkflow, &workflow_id, &workflow_type),
        request,
        |request| &mut request.header,
        |request| async {
            client
                .service()
                .start_workflow_execution(tonic::Request::new(request))
                .await
                .map(tonic::Response::into_inner)
                .map_err(|status| match status.code() {
                    Code::AlreadyExists => {
                        ClientError::already_started(workflow_id.clone(), status)
                    }
                    _ => ClientError::rpc(status),
                })
        },
    )
    .await
}

/// Signals a workflow, starting it first if it is not running.
pub(super) async fn signal_with_start(
    client: &Client,
    request: SignalWithStartWorkflowExecutionRequest,
) -> Result<SignalWithStartWorkflowExecutionResponse, ClientError> {
    let workflow_id = request.workflow_id.clone();
    let workflow_type = request.workflow_type.clone().unwrap_or_default().name;
    intercepted(
        client,
        (
            ClientCallKind::SignalWithStartWorkflow,
            &workflow_id,
            &workflow_type,
        ),
        request,
        |request| &mut request.header,
        |request| async {
            client
                .service()
                .signal_with_start_workflow_execution(tonic::Request::new(request))
                .await
                .map(tonic::Response::into_inner)
                .map_err(ClientError::rpc)
        },
    )
    .await
}

/// Runs several operations at once (update-with-start).
/// The interceptors see one call, named after the workflow type; its headers go with both the
/// start and the update.
pub(super) async fn execute_multi_operation(
    client: &Client,
    mut request: ExecuteMultiOperationRequest,
) -> Result<ExecuteMultiOperationResponse, ClientError> {
    use temporalio_common::protos::temporal::api::workflowservice::v1::execute_multi_operation_request::operation::Operation;
    let mut call = ClientCall::new(ClientCallKind::UpdateWithStartWorkflow, "", "");
    for operation in &mut request.operations {
        if let Some(Operation::StartWorkflow(start)) = &mut operation.operation {
            let workflow_type = start.workflow_type.clone().unwrap_or_default().name;
            call = client_call(
                ClientCallKind::UpdateWithStartWorkflow,
                &start.workflow_id,
                &workflow_type,
                &mut start.header,
            );
        }
    }
    intercept_client_call(client.interceptors(), call, |call| async move {
        let header = header(call);
        for operation in &mut request.operations {
            match &mut operation.operation {
                Some(Operation::StartWorkflow(start)) => start.header.clone_from(&header),
                Some(Operation::UpdateWorkflow(update)) => {
                    if let Some(input) = update
                        .request
                        .as_mut()
                        .and_then(|request| request.input.as_mut())
                    {
                        input.header.clone_from(&header);
                    }
                }
                None => {}
            }
        }
        let request = encoded(client, request).await?;
        let response = client
            .service()
            .execute_multi_operation(tonic::Request::new(request))
            .await
            .map(tonic::Response::into_inner)
            .map_err(ClientError::rpc)?;
        decoded(client, response).await
    })
    .await
}

/// One page of a workflow's history; an unknown workflow is [`ClientError::NotFound`].
pub(super) async fn history_page(
    client: &Client,
    workflow_id: &str,
    request: GetWorkflowExecutionHistoryRequest,
) -> Result<GetWorkflowExecutionHistoryResponse, ClientError> {
    client
        .service()
        .get_workflow_execution_history(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| ClientError::on_workflow(workflow_id, status))
}

/// Signals a workflow; an unknown workflow is [`ClientError::NotFound`].
pub(super) async fn signal(
    client: &Client,
    workflow_id: &str,
    request: SignalWorkflowExecutionRequest,
) -> Result<(), ClientError> {
    let signal_name = request.signal_name.clone();
    intercepted(
        client,
        (ClientCallKind::SignalWorkflow, workflow_id, &signal_name),
        request,
        |request| &mut request.header,
        |request| async {
            client
                .service()
                .signal_workflow_execution(tonic::Request::new(request))
                .await
                .map(drop)
                .map_err(|status| ClientError::on_workflow(workflow_id, status))
        },
    )
    .await
}

/// Queries a workflow. The server answers a query the worker failed (no such query, bad
/// arguments, a panic) with `InvalidArgument` and the worker's message, which is
/// [`ClientError::QueryFailed`].
pub(super) async fn query(
    client: &Client,
    workflow_id: &str,
    request: QueryWorkflowRequest,
) -> Result<QueryWorkflowResponse, ClientError> {
    let query = request
        .query
        .as_ref()
        .map(|query| query.query_type.clone())
        .unwrap_or_default();
    intercepted(
        client,
        (ClientCallKind::QueryWorkflow, workflow_id, &query),
        request,
        |request| &mut request.query.get_or_insert_default().header,
        |request| async {
            let response = client
                .service()
                .query_workflow(tonic::Request::new(request))
                .await
                .map(tonic::Response::into_inner)
                .map_err(|status| match status.code() {
                    Code::NotFound => ClientError::on_workflow(workflow_id, status),
                    Code::InvalidArgument | Code::Unknown | Code::Internal => {
                        ClientError::QueryFailed {
                            query: query.clone(),
                            message: status.message().to_owned(),
                            status: Some(status.into()),
                        }
                    }
                    _ => ClientError::rpc(status),
                })?;
            decoded(client, response).await
        },
    )
    .await
}

/// What a client sends an activity that completes later, by task token or by id.
pub(super) enum AsyncActivityCall {
    Complete(RespondActivityTaskCompletedRequest),
    CompleteById(RespondActivityTaskCompletedByIdRequest),
    Fail(RespondActivityTaskFailedRequest),
    FailById(RespondActivityTaskFailedByIdRequest),
    Cancelled(RespondActivityTaskCanceledRequest),
    CancelledById(RespondActivityTaskCanceledByIdRequest),
    Heartbeat(RecordActivityTaskHeartbeatRequest),
    HeartbeatById(RecordActivityTaskHeartbeatByIdRequest),
}

/// Sends `call` to `activity` (described for errors) with its payloads encoded; returns
/// whether the activity's cancellation was requested (a heartbeat's answer; false for the
/// other calls). An activity that is not open is [`ClientError::ActivityNotFound`].
pub(super) async fn async_activity(
    client: &Client,
    activity: &str,
    call: AsyncActivityCall,
) -> Result<bool, ClientError> {
    use AsyncActivityCall as Call;
    let mut service = client.service();
    let not_open = |status: tonic::Status| match status.code() {
        Code::NotFound => ClientError::ActivityNotFound {
            activity: activity.to_owned(),
            status: status.into(),
        },
        _ => ClientError::rpc(status),
    };
    macro_rules! send {
        ($method:ident, $request:expr) => {
            service
                .$method(tonic::Request::new(encoded(client, $request).await?))
                .await
                .map(tonic::Response::into_inner)
                .map_err(not_open)
        };
    }
    Ok(match call {
        Call::Complete(request) => {
            send!(respond_activity_task_completed, request).map(|_| false)?
        }
        Call::CompleteById(request) => {
            send!(respond_activity_task_completed_by_id, request).map(|_| false)?
        }
        Call::Fail(request) => send!(respond_activity_task_failed, request).map(|_| false)?,
        Call::FailById(request) => {
            send!(respond_activity_task_failed_by_id, request).map(|_| false)?
        }
        Call::Cancelled(request) => {
            send!(respond_activity_task_canceled, request).map(|_| false)?
        }
        Call::CancelledById(request) => {
            send!(respond_activity_task_canceled_by_id, request).map(|_| false)?
        }
        Call::Heartbeat(request) => {
            send!(record_activity_task_heartbeat, request)?.cancel_requested
        }
        Call::HeartbeatById(request) => {
            send!(record_activity_task_heartbeat_by_id, request)?.cancel_requested
        }
    })
}

/// Describes the client's namespace.
pub(super) async fn describe_namespace(
    client: &Client,
    request: DescribeNamespaceRequest,
) -> Result<DescribeNamespaceResponse, ClientError> {
    client
        .service()
        .describe_namespace(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(ClientError::rpc)
}

/// Requests a workflow's cancellation; an unknown workflow is [`ClientError::NotFound`] (the
/// server accepts the cancellation of a closed run as a no-op).
pub(super) async fn cancel(
    client: &Client,
    workflow_id: &str,
    request: RequestCancelWorkflowExecutionRequest,
) -> Result<(), ClientError> {
    client
        .service()
        .request_cancel_workflow_execution(tonic::Request::new(request))
        .await
        .map(drop)
        .map_err(|status| ClientError::on_workflow(workflow_id, status))
}

/// Terminates a workflow; an unknown or closed run is [`ClientError::NotFound`].
pub(super) async fn terminate(
    client: &Client,
    workflow_id: &str,
    request: TerminateWorkflowExecutionRequest,
) -> Result<(), ClientError> {
    client
        .service()
        .terminate_workflow_execution(tonic::Request::new(request))
        .await
        .map(drop)
        .map_err(|status| ClientError::on_workflow(workflow_id, status))
}

/// Refuses an update whose encoded arguments exceed the namespace's payload size limit: the
/// server would admit it, and the workflow's task would then fail on it.
pub(super) async fn check_update_size(
    client: &Client,
    request: &UpdateWorkflowExecutionRequest,
) -> Result<(), ClientError> {
    let size = request
        .request
        .as_ref()
        .and_then(|request| request.input.as_ref())
        .and_then(|input| input.args.as_ref())
        .map_or(0, prost::Message::encoded_len);
    match client.payload_limit().await {
        Some(limit) if size > limit => Err(ClientError::PayloadsTooLarge {
            size: Some(size),
            limit: Some(limit),
            status: None,
        }),
        _ => Ok(()),
    }
}

/// Sends an encoded update (or asks again for its stage); an unknown workflow is
/// [`ClientError::NotFound`].
pub(super) async fn update(
    client: &Client,
    workflow_id: &str,
    request: UpdateWorkflowExecutionRequest,
) -> Result<UpdateWorkflowExecutionResponse, ClientError> {
    let response = client
        .service()
        .update_workflow_execution(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| ClientError::on_workflow(workflow_id, status))?;
    decoded(client, response).await
}

/// Waits for an update's outcome; an unknown update is [`ClientError::UpdateNotFound`].
pub(super) async fn poll_update(
    client: &Client,
    workflow_id: &str,
    update_id: &str,
    request: PollWorkflowExecutionUpdateRequest,
) -> Result<PollWorkflowExecutionUpdateResponse, ClientError> {
    let response = client
        .service()
        .poll_workflow_execution_update(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| ClientError::on_update(workflow_id, update_id, status))?;
    decoded(client, response).await
}

/// One page of the executions a visibility query matches.
pub(super) async fn list_workflows(
    client: &Client,
    request: ListWorkflowExecutionsRequest,
) -> Result<ListWorkflowExecutionsResponse, ClientError> {
    let response = client
        .service()
        .list_workflow_executions(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(ClientError::rpc)?;
    decoded(client, response).await
}

/// How many executions a visibility query matches.
pub(super) async fn count_workflows(
    client: &Client,
    request: CountWorkflowExecutionsRequest,
) -> Result<CountWorkflowExecutionsResponse, ClientError> {
    client
        .service()
        .count_workflow_executions(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(ClientError::rpc)
}

/// Describes one execution; an unknown workflow is [`ClientError::NotFound`].
pub(super) async fn describe(
    client: &Client,
    workflow_id: &str,
    request: DescribeWorkflowExecutionRequest,
) -> Result<DescribeWorkflowExecutionResponse, ClientError> {
    let response = client
        .service()
        .describe_workflow_execution(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| ClientError::on_workflow(workflow_id, status))?;
    decoded(client, response).await
}

/// Describes a worker deployment; an unknown one is [`ClientError::DeploymentNotFound`].
pub(super) async fn describe_worker_deployment(
    client: &Client,
    request: DescribeWorkerDeploymentRequest,
) -> Result<DescribeWorkerDeploymentResponse, ClientError> {
    let deployment_name = request.deployment_name.clone();
    client
        .service()
        .describe_worker_deployment(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| ClientError::on_deployment(&deployment_name, status))
}

/// Makes a version current; a version no worker polled for is
/// [`ClientError::DeploymentNotFound`].
pub(super) async fn set_current_deployment_version(
    client: &Client,
    request: SetWorkerDeploymentCurrentVersionRequest,
) -> Result<SetWorkerDeploymentCurrentVersionResponse, ClientError> {
    let deployment_name = request.deployment_name.clone();
    client
        .service()
        .set_worker_deployment_current_version(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| ClientError::on_deployment(&deployment_name, status))
}

/// Creates a schedule; an id in use is [`ClientError::ScheduleAlreadyExists`].
pub(super) async fn create_schedule(
    client: &Client,
    request: CreateScheduleRequest,
) -> Result<(), ClientError> {
    let schedule_id = request.schedule_id.clone();
    let request = encoded(client, request).await?;
    client
        .service()
        .create_schedule(tonic::Request::new(request))
        .await
        .map(drop)
        .map_err(|status| match status.code() {
            Code::AlreadyExists => ClientError::ScheduleAlreadyExists {
                schedule_id,
                status: status.into(),
            },
            _ => ClientError::rpc(status),
        })
}

/// Describes a schedule; an unknown one is [`ClientError::ScheduleNotFound`].
pub(super) async fn describe_schedule(
    client: &Client,
    schedule_id: &str,
    request: DescribeScheduleRequest,
) -> Result<DescribeScheduleResponse, ClientError> {
    let response = client
        .service()
        .describe_schedule(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(|status| ClientError::on_schedule(schedule_id, status))?;
    decoded(client, response).await
}

/// Replaces a schedule; an unknown one is [`ClientError::ScheduleNotFound`].
pub(super) async fn update_schedule(
    client: &Client,
    schedule_id: &str,
    request: UpdateScheduleRequest,
) -> Result<(), ClientError> {
    let request = encoded(client, request).await?;
    client
        .service()
        .update_schedule(tonic::Request::new(request))
        .await
        .map(drop)
        .map_err(|status| ClientError::on_schedule(schedule_id, status))
}

/// Pauses, unpauses, triggers or backfills a schedule.
pub(super) async fn patch_schedule(
    client: &Client,
    schedule_id: &str,
    request: PatchScheduleRequest,
) -> Result<(), ClientError> {
    client
        .service()
        .patch_schedule(tonic::Request::new(request))
        .await
        .map(drop)
        .map_err(|status| ClientError::on_schedule(schedule_id, status))
}

/// Deletes a schedule.
pub(super) async fn delete_schedule(
    client: &Client,
    schedule_id: &str,
    request: DeleteScheduleRequest,
) -> Result<(), ClientError> {
    client
        .service()
        .delete_schedule(tonic::Request::new(request))
        .await
        .map(drop)
        .map_err(|status| ClientError::on_schedule(schedule_id, status))
}

/// One page of schedules.
pub(super) async fn list_schedules(
    client: &Client,
    request: ListSchedulesRequest,
) -> Result<ListSchedulesResponse, ClientError> {
    let response = client
        .service()
        .list_schedules(tonic::Request::new(request))
        .await
        .map(tonic::Response::into_inner)
        .map_err(ClientError::rpc)?;
    decoded(client, response).await
}
