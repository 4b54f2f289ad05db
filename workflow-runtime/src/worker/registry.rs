//! What a worker serves: workflow types and activities by wire name. Unknown names produce
//! errors that list the registered ones.

use std::collections::BTreeMap;

use crate::{
    activity::{ActivityRegistry, registry::DYNAMIC_NAME},
    deployment::{VersioningBehavior, WorkerVersioning},
    error::UnknownName,
    worker::error::ConfigError,
    workflow::{
        definition::WorkflowDefinition,
        run::{RunInstance, RunStart, start_run},
    },
};

/// Builds a run of one workflow type from its start job.
pub(crate) type WorkflowStarter = fn(RunStart<'_>) -> RunInstance;

/// A registered workflow type.
#[derive(Clone, Copy)]
struct RegisteredWorkflow {
    start: WorkflowStarter,
    versioning: Option<VersioningBehavior>,
}

/// The workflows and activities a worker (or a replayer) serves.
#[derive(Default, Clone)]
pub(crate) struct Registry {
    workflows: BTreeMap<&'static str, RegisteredWorkflow>,
    /// The dynamic workflow: every type without a workflow of its own.
    dynamic_workflow: Option<RegisteredWorkflow>,
    duplicate_workflows: Vec<&'static str>,
    pub(crate) activities: ActivityRegistry,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("workflows", &self.workflows.keys().collect::<Vec<_>>())
            .field("dynamic_workflow", &self.dynamic_workflow.is_some())
            .field("activities", &self.activities)
            .finish()
    }
}

impl Registry {
    /// Adds a workflow type.
    pub(crate) fn add_workflow<W: WorkflowDefinition>(&mut self) {
        const {
            assert!(
                W::RUNS_ON_A_WORKER,
                "`WorkflowByName` stands for a workflow of another language in calls by name and \
                 cannot be registered: register the `#[workflow]` type that implements it"
            )
        };
        let registered = RegisteredWorkflow {
            start: start_run::<W>,
            versioning: W::VERSIONING,
        };
        if W::DYNAMIC {
            if self.dynamic_workflow.replace(registered).is_some() {
                self.duplicate_workflows.push(DYNAMIC_NAME);
            }
        } else if self.workflows.insert(W::NAME, registered).is_some() {
            self.duplicate_workflows.push(W::NAME);
        }
    }

    /// Fails when a wire name was registered twice.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        let duplicates: Vec<String> = self
            .duplicate_workflows
            .iter()
            .map(|name| format!("workflow `{name}`"))
            .chain(
                self.activities
                    .duplicates()
                    .iter()
                    .map(|name| format!("activity `{name}`")),
            )
            .collect();
        if duplicates.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::RegisteredTwice { names: duplicates })
        }
    }

    /// Fails when worker versioning is on without a default behaviour and a workflow declares
    /// none, as the Python SDK does: such runs would have no rule for moving between versions.
    pub(crate) fn check_versioning(
        &self,
        versioning: Option<&WorkerVersioning>,
    ) -> Result<(), ConfigError> {
        let Some(versioning) = versioning else {
            return Ok(());
        };
        if versioning.default_behavior.is_some() {
            return Ok(());
        }
        let dynamic = self.dynamic_workflow.iter().map(|d| (&DYNAMIC_NAME, d));
        match self
            .workflows
            .iter()
            .chain(dynamic)
            .find(|(_, registered)| registered.versioning.is_none())
        {
            Some((name, _)) => Err(ConfigError::NoVersioningBehavior { workflow: name }),
            None => Ok(()),
        }
    }

    pub(crate) fn has_workflows(&self) -> bool {
        !self.workflows.is_empty() || self.dynamic_workflow.is_some()
    }

    /// The wire names of the registered workflow types, sorted.
    pub(crate) fn workflow_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.workflows.keys().copied()
    }

    pub(crate) fn has_activities(&self) -> bool {
        !self.activities.is_empty()
    }

    /// The starter of workflow type `name`; the error lists the registered types.
    pub(crate) fn workflow(&self, name: &str) -> Result<WorkflowStarter, UnknownName> {
        self.workflows
            .get(name)
            .or(self.dynamic_workflow.as_ref())
            .map(|registered| registered.start)
            .ok_or_else(|| UnknownName::workflow(name, self.workflows.keys().copied()))
    }
}
