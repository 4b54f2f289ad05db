//! Worker deployments, as an operator drives them: which versions a deployment has and which
//! is current, and making a version current so new runs (and auto-upgrade runs) go to it.

use temporalio_common::protos::temporal::api::{
    deployment::v1::WorkerDeploymentInfo,
    enums::v1::RoutingConfigUpdateState,
    workflowservice::v1::{
        DescribeWorkerDeploymentRequest, SetWorkerDeploymentCurrentVersionRequest,
    },
};

use crate::{
    client::{Client, error::ClientError, rpc},
    deployment::DeploymentVersion,
};

/// A worker deployment as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerDeployment {
    /// The deployment's name.
    pub name: String,
    /// The versions whose workers the server has seen, oldest first.
    pub versions: Vec<DeploymentVersion>,
    /// The version new runs go to; `None` sends them to unversioned workers.
    pub current_version: Option<DeploymentVersion>,
    /// Whether the last routing change has reached every task queue of the deployment.
    pub routing_settled: bool,
}

impl WorkerDeployment {
    fn from_info(info: WorkerDeploymentInfo) -> Self {
        let routing = info.routing_config.unwrap_or_default();
        Self {
            name: info.name,
            versions: info
                .version_summaries
                .into_iter()
                .filter_map(|summary| summary.deployment_version)
                .map(DeploymentVersion::from_proto)
                .collect(),
            current_version: routing
                .current_deployment_version
                .map(DeploymentVersion::from_proto)
                .filter(|version| !version.build_id().is_empty()),
            routing_settled: info.routing_config_update_state
                != RoutingConfigUpdateState::InProgress as i32,
        }
    }

    /// Whether the server has seen a worker of `version`.
    pub fn has_version(&self, version: &DeploymentVersion) -> bool {
        self.versions.contains(version)
    }
}

impl Client {
    /// The deployment `name`: its versions and which is current. A deployment exists once a
    /// worker of one of its versions has polled; before that this is
    /// [`ClientError::DeploymentNotFound`].
    pub async fn describe_worker_deployment(
        &self,
        name: &str,
    ) -> Result<WorkerDeployment, ClientError> {
        let response = rpc::describe_worker_deployment(
            self,
            DescribeWorkerDeploymentRequest {
                namespace: self.namespace().to_owned(),
                deployment_name: name.to_owned(),
            },
        )
        .await?;
        let info = response
            .worker_deployment_info
            .ok_or_else(|| ClientError::unexpected("a worker deployment without its info"))?;
        Ok(WorkerDeployment::from_info(info))
    }

    /// Makes `version` the current version of its deployment: new runs start on it, and
    /// auto-upgrade runs move to it at their next workflow task; pinned runs stay where they
    /// are. The server must have seen a worker of the version poll
    /// ([`WorkerDeployment::has_version`]).
    ///
    /// ```no_run
    /// # use workflow_runtime::{prelude::*, DeploymentVersion};
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let release = DeploymentVersion::new("orders", "2026-12-06.1");
    /// client.set_current_deployment_version(&release).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_current_deployment_version(
        &self,
        version: &DeploymentVersion,
    ) -> Result<(), ClientError> {
        // The token makes the change conditional on the deployment as just described, so two
        // operators' changes cannot silently overwrite each other.
        let described = rpc::describe_worker_deployment(
            self,
            DescribeWorkerDeploymentRequest {
                namespace: self.namespace().to_owned(),
                deployment_name: version.deployment_name().to_owned(),
            },
        )
        .await?;
        rpc::set_current_deployment_version(
            self,
            SetWorkerDeploymentCurrentVersionRequest {
                namespace: self.namespace().to_owned(),
                deployment_name: version.deployment_name().to_owned(),
                build_id: version.build_id().to_owned(),
                conflict_token: described.conflict_token,
                identity: self.identity().to_owned(),
                ..Default::default()
            },
        )
        .await?;
        Ok(())
    }
}
