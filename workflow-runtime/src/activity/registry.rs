//! The activities a worker serves, by wire name: each entry decodes the task's arguments, calls
//! the user's function or method and encodes its result. `#[activities]` structs register
//! their methods here through [`ActivityGroup`].

use std::{collections::BTreeMap, future::Future, sync::Arc};

use futures::{FutureExt, future::BoxFuture};

use crate::{
    activity::{
        context::ActivityContext,
        definition::{ActivityDefinition, FreeActivity, MethodActivity},
    },
    error::{ActivityError, UnknownName, failure_type},
    payload::{Payload, encode},
};

/// Runs one activity from its argument payloads to its result payload.
pub(crate) type ActivityHandler = Arc<
    dyn Fn(ActivityContext, Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>>
        + Send
        + Sync,
>;

/// Activity implementations by wire name, filled by `Worker::activity` and by the code
/// `#[activities]` generates.
#[derive(Default, Clone)]
pub struct ActivityRegistry {
    handlers: BTreeMap<&'static str, ActivityHandler>,
    /// Test doubles; they win over `handlers` whatever the order of registration.
    mocks: BTreeMap<&'static str, ActivityHandler>,
    /// The dynamic activity: every type without a handler of its own.
    dynamic: Option<ActivityHandler>,
    duplicates: Vec<&'static str>,
}

/// How a second dynamic activity shows among the names registered twice.
pub(crate) const DYNAMIC_NAME: &str = "(dynamic)";

impl std::fmt::Debug for ActivityRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityRegistry")
            .field("activities", &self.handlers.keys())
            .field("mocks", &self.mocks.keys())
            .field("dynamic", &self.dynamic.is_some())
            .finish()
    }
}

/// An activity's outcome with its value encoded as the result payload.
fn encode_output<T: serde::Serialize>(
    outcome: Result<T, ActivityError>,
) -> Result<Payload, ActivityError> {
    outcome.and_then(|output| encode(&output).map_err(ActivityError::from))
}

fn decode_and_run<A: ActivityDefinition>(
    payloads: &[Payload],
    run: impl FnOnce(A::Input) -> BoxFuture<'static, Result<A::Output, ActivityError>>,
) -> BoxFuture<'static, Result<Payload, ActivityError>> {
    match A::decode_input(payloads) {
        Ok(input) => run(input).map(encode_output).boxed(),
        Err(e) => {
            // The same input fails every attempt, so retrying cannot help.
            let error = ActivityError::non_retryable(failure_type::PAYLOAD_ERROR, e.message());
            futures::future::ready(Err(error)).boxed()
        }
    }
}

impl ActivityRegistry {
    fn insert(&mut self, name: &'static str, handler: ActivityHandler) {
        if self.handlers.insert(name, handler).is_some() {
            self.duplicates.push(name);
        }
    }

    /// Adds an activity implemented by a free function.
    pub(crate) fn add_free<A: FreeActivity>(&mut self) {
        self.insert(
            A::NAME,
            Arc::new(|ctx, payloads| {
                decode_and_run::<A>(&payloads, |input| A::execute(ctx, input))
            }),
        );
    }

    /// Adds an activity implemented by a method of `receiver` (called by the code
    /// `#[activities]` generates).
    pub fn add_method<A: MethodActivity>(&mut self, receiver: Arc<A::Receiver>) {
        self.insert(
            A::NAME,
            Arc::new(move |ctx, payloads| {
                let receiver = Arc::clone(&receiver);
                decode_and_run::<A>(&payloads, |input| A::execute(receiver, ctx, input))
            }),
        );
    }

    /// Replaces activity `A` (registered or not) with `mock`, a function of the activity's
    /// input with the activity's result type.
    /// Registers the dynamic activity: `run` gets each task whose type has no handler, with
    /// its raw arguments, and its value is encoded as any activity's result.
    pub(crate) fn add_dynamic<F, Fut, T>(&mut self, run: F)
    where
        F: Fn(ActivityContext, Vec<Payload>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, ActivityError>> + Send + 'static,
        T: serde::Serialize,
    {
        let handler: ActivityHandler = Arc::new(move |ctx, payloads| {
            // A closure, not the fn item, whose type would name `T` and need it `'static`.
            run(ctx, payloads)
                .map(|outcome| encode_output(outcome))
                .boxed()
        });
        if self.dynamic.replace(handler).is_some() {
            self.duplicates.push(DYNAMIC_NAME);
        }
    }

    pub(crate) fn add_mock<A, M, Fut>(&mut self, mock: M)
    where
        A: ActivityDefinition,
        M: Fn(A::Input) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<A::Output, ActivityError>> + Send + 'static,
    {
        let mock = Arc::new(mock);
        let handler: ActivityHandler = Arc::new(move |_ctx, payloads| {
            let mock = Arc::clone(&mock);
            decode_and_run::<A>(&payloads, move |input| mock(input).boxed())
        });
        if self.mocks.insert(A::NAME, handler).is_some() {
            self.duplicates.push(A::NAME);
        }
    }

    /// Names registered more than once.
    pub(crate) fn duplicates(&self) -> &[&'static str] {
        &self.duplicates
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.handlers.is_empty() && self.mocks.is_empty() && self.dynamic.is_none()
    }

    /// The handler for `name`; the error lists the registered names.
    pub(crate) fn get(&self, name: &str) -> Result<ActivityHandler, UnknownName> {
        self.mocks
            .get(name)
            .or_else(|| self.handlers.get(name))
            .or(self.dynamic.as_ref())
            .cloned()
            .ok_or_else(|| {
                let mut names: Vec<&str> = self
                    .handlers
                    .keys()
                    .chain(self.mocks.keys())
                    .copied()
                    .collect();
                names.sort_unstable();
                names.dedup();
                UnknownName::activity(name, names)
            })
    }
}

/// A struct whose `#[activities]` impl registers all its activity methods on a worker.
pub trait ActivityGroup: Send + Sync + Sized + 'static {
    /// Adds every activity method of `self` to the registry.
    fn register(self: Arc<Self>, registry: &mut ActivityRegistry);
}
