//! Updates from the client side: options, the stage a call waits for, and handles to wait for
//! an update's outcome.

use std::marker::PhantomData;

use temporalio_common::protos::temporal::api::{
    enums::v1::UpdateWorkflowExecutionLifecycleStage,
    update::v1::{Outcome, UpdateRef, WaitPolicy, outcome},
    workflowservice::v1::PollWorkflowExecutionUpdateRequest,
};

use crate::{
    client::{Client, error::ClientError, rpc},
    error::{UpdateFailed, received},
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
    pub(crate) update_id: Option<String>,
    pub(crate) wait_for: UpdateStage,
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
    pub(crate) client: Client,
    pub(crate) workflow_id: String,
    pub(crate) name: String,
    pub(crate) update_ref: UpdateRef,
    pub(crate) outcome: Option<Outcome>,
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
                            failure: received(failure),
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
            let response = rpc::poll_update(
                &self.client,
                &self.workflow_id,
                &self.update_ref.update_id,
                request,
            )
            .await?;
            self.outcome = response.outcome;
        }
    }
}
