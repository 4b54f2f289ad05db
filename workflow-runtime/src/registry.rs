//! Wire name -> implementation, for workflows and activities. Unknown names produce errors
//! that list the registered ones.

use std::{collections::BTreeMap, sync::Arc};

use futures::{FutureExt, future::BoxFuture};

use crate::{
    activation::{RunInstance, RunStart, start_run},
    activity::ActivityContext,
    definition::{ActivityDefinition, FreeActivity, MethodActivity, WorkflowDefinition},
    error::ActivityError,
    payload::{Payload, encode},
};

pub(crate) type WorkflowStarter = fn(RunStart<'_>) -> RunInstance;

pub(crate) type ActivityHandler = Arc<
    dyn Fn(ActivityContext, Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>>
        + Send
        + Sync,
>;

/// The workflows and activities a worker serves, by wire name.
#[derive(Default, Clone)]
pub struct Registry {
    workflows: BTreeMap<&'static str, WorkflowStarter>,
    activities: BTreeMap<&'static str, ActivityHandler>,
    duplicates: Vec<String>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("workflows", &self.workflows.keys().collect::<Vec<_>>())
            .field("activities", &self.activities.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn decode_and_run<A: ActivityDefinition>(
    payloads: &[Payload],
    run: impl FnOnce(A::Input) -> BoxFuture<'static, Result<A::Output, ActivityError>>,
) -> BoxFuture<'static, Result<Payload, ActivityError>> {
    match A::decode_input(payloads) {
        Ok(input) => run(input)
            .map(|result| result.and_then(|output| encode(&output).map_err(ActivityError::from)))
            .boxed(),
        Err(e) => {
            // The same input fails every attempt, so retrying cannot help.
            let error = ActivityError::non_retryable("PayloadError", e.to_string());
            futures::future::ready(Err(error)).boxed()
        }
    }
}

impl Registry {
    /// Adds a workflow type.
    pub fn add_workflow<W: WorkflowDefinition>(&mut self) {
        if self.workflows.insert(W::NAME, start_run::<W>).is_some() {
            self.duplicates.push(format!("workflow `{}`", W::NAME));
        }
    }

    fn add_activity_handler(&mut self, name: &'static str, handler: ActivityHandler) {
        if self.activities.insert(name, handler).is_some() {
            self.duplicates.push(format!("activity `{name}`"));
        }
    }

    /// Adds an activity implemented by a free function.
    pub fn add_activity<A: FreeActivity>(&mut self) {
        self.add_activity_handler(
            A::NAME,
            Arc::new(|ctx, payloads| {
                decode_and_run::<A>(&payloads, |input| A::execute(ctx, input))
            }),
        );
    }

    /// Adds an activity implemented by a method of `receiver`.
    pub fn add_method_activity<A: MethodActivity>(&mut self, receiver: Arc<A::Receiver>) {
        self.add_activity_handler(
            A::NAME,
            Arc::new(move |ctx, payloads| {
                let receiver = Arc::clone(&receiver);
                decode_and_run::<A>(&payloads, |input| A::execute(receiver, ctx, input))
            }),
        );
    }

    pub(crate) fn check(&self) -> Result<(), String> {
        if self.duplicates.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "registered twice: {} (each wire name must be unique per worker; rename one with `name = \"...\"`)",
                self.duplicates.join(", ")
            ))
        }
    }

    pub(crate) fn has_workflows(&self) -> bool {
        !self.workflows.is_empty()
    }

    pub(crate) fn has_activities(&self) -> bool {
        !self.activities.is_empty()
    }

    pub(crate) fn workflow(&self, name: &str) -> Result<WorkflowStarter, String> {
        self.workflows.get(name).copied().ok_or_else(|| {
            format!(
                "unknown workflow type `{name}`: this worker registers {}",
                list(self.workflows.keys())
            )
        })
    }

    pub(crate) fn activity(&self, name: &str) -> Result<ActivityHandler, String> {
        self.activities.get(name).cloned().ok_or_else(|| {
            format!(
                "unknown activity type `{name}`: this worker registers {}",
                list(self.activities.keys())
            )
        })
    }
}

/// Names for error messages: "`a`, `b`", or "none".
pub(crate) fn list<'a>(names: impl Iterator<Item = &'a &'static str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}
