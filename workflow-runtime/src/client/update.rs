//! Updates from the client side: options, the stage a call waits for, and handles to wait for
//! an update's outcome.

use std::marker::PhantomData;

use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::{
    common::v1::Payloads,
    enums::v1::UpdateWorkflowExecutionLifecycleStage,
    update::v1::{Input, Meta, Outcome, Request, UpdateRef, WaitPolicy, outcome},
    workflowservice::v1::{
        PollWorkflowExecutionUpdateRequest, UpdateWorkflowExecutionRequest,
        UpdateWorkflowExecutionResponse,
    },
};

use crate::{
    client::{Client, error::ClientError, handle::UntypedWorkflowHandle},
    error::UpdateFailed,
    payload::{Payload, decode_result},
};

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

pub(crate) fn lifecycle_stage(stage: UpdateStage) -> i32 {
    match stage {
        UpdateStage::Accepted => UpdateWorkflowExecutionLifecycleStage::Accepted as i32,
        UpdateStage::Completed => UpdateWorkflowExecutionLifecycleStage::Completed as i32,
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

    pub(crate) fn update_handle(
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
}

/// An update that was sent; `result()` waits for its typed outcome.
#[derive(Debug)]
pub struct UpdateHandle<T> {
    untyped: UntypedUpdateHandle,
    _output: PhantomData<fn() -> T>,
}

impl<T> UpdateHandle<T> {
    pub(crate) fn new(untyped: UntypedUpdateHandle) -> Self {
        Self {
            untyped,
            _output: PhantomData,
        }
    }
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
