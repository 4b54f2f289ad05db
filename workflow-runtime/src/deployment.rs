//! Worker versioning, as Temporal's Worker Deployments define it: a worker declares the
//! deployment version it runs (a deployment name and a build id), an operator makes a version
//! current, and each workflow type says whether its runs stay on the version they started on
//! (`#[workflow(versioning = pinned)]`) or move to the current one at their next workflow task
//! (`#[workflow(versioning = auto_upgrade)]`). `docs/versioning.md` says when to use which.

use std::fmt;

use temporalio_common::{
    protos::temporal::api::{
        deployment::v1::WorkerDeploymentVersion as ProtoVersion,
        enums::v1::VersioningBehavior as ProtoBehavior,
    },
    worker::{
        VersioningBehavior as CoreBehavior, WorkerDeploymentOptions,
        WorkerDeploymentVersion as CoreVersion,
    },
};

/// How a workflow's runs move between worker deployment versions; declared with
/// `#[workflow(versioning = pinned)]` or `#[workflow(versioning = auto_upgrade)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersioningBehavior {
    /// A run stays on the version it started on until it closes, whatever version becomes
    /// current: its code never changes under it, so it needs no patches. Old versions keep
    /// their workers until their pinned runs close.
    Pinned,
    /// A run moves to the current version at its next workflow task, so a code change must
    /// keep replaying its history (patch it).
    AutoUpgrade,
}

impl VersioningBehavior {
    pub(crate) fn to_proto(self) -> ProtoBehavior {
        match self {
            Self::Pinned => ProtoBehavior::Pinned,
            Self::AutoUpgrade => ProtoBehavior::AutoUpgrade,
        }
    }

    /// The behaviour a server reports; `None` for unversioned runs.
    pub(crate) fn from_proto(behavior: i32) -> Option<Self> {
        match ProtoBehavior::try_from(behavior) {
            Ok(ProtoBehavior::Pinned) => Some(Self::Pinned),
            Ok(ProtoBehavior::AutoUpgrade) => Some(Self::AutoUpgrade),
            _ => None,
        }
    }

    fn to_core(self) -> CoreBehavior {
        match self {
            Self::Pinned => CoreBehavior::Pinned,
            Self::AutoUpgrade => CoreBehavior::AutoUpgrade,
        }
    }
}

/// One version of a worker deployment: the deployment's name and the build id of the code.
///
/// ```
/// use workflow_runtime::DeploymentVersion;
/// let version = DeploymentVersion::new("orders", "2026-12-06.1");
/// assert_eq!(version.to_string(), "orders.2026-12-06.1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeploymentVersion {
    deployment_name: String,
    build_id: String,
}

impl DeploymentVersion {
    /// The version `build_id` of deployment `deployment_name`.
    pub fn new(deployment_name: impl Into<String>, build_id: impl Into<String>) -> Self {
        Self {
            deployment_name: deployment_name.into(),
            build_id: build_id.into(),
        }
    }

    /// The deployment's name.
    pub fn deployment_name(&self) -> &str {
        &self.deployment_name
    }

    /// The build id.
    pub fn build_id(&self) -> &str {
        &self.build_id
    }

    pub(crate) fn from_proto(version: ProtoVersion) -> Self {
        Self::new(version.deployment_name, version.build_id)
    }
}

impl fmt::Display for DeploymentVersion {
    /// `deployment.build`, as the Temporal CLI and UI write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.deployment_name, self.build_id)
    }
}

/// A worker's versioning settings: the version it runs and the behaviour of workflows that
/// declare none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WorkerVersioning {
    pub(crate) version: DeploymentVersion,
    pub(crate) default_behavior: Option<VersioningBehavior>,
}

impl WorkerVersioning {
    /// Core's deployment options, with versioning on.
    pub(crate) fn core_options(&self) -> WorkerDeploymentOptions {
        let version = CoreVersion::builder()
            .deployment_name(self.version.deployment_name.clone())
            .build_id(self.version.build_id.clone())
            .build();
        WorkerDeploymentOptions::new(version)
            .use_worker_versioning(true)
            .maybe_default_versioning_behavior(
                self.default_behavior.map(VersioningBehavior::to_core),
            )
            .build()
    }
}
