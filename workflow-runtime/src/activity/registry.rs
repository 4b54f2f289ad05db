//! The activities a worker serves, by wire name: each entry decodes the task's arguments, calls
//! the user's function or method and encodes its result. `#[activities]` structs register
//! their methods here through [`ActivityGroup`].

use std::{collections::BTreeMap, sync::Arc};

use futures::{FutureExt, future::BoxFuture};

use crate::{
    activity::{
        context::ActivityContext,
        definition::{ActivityDefinition, FreeActivity, MethodActivity},
    },
    error::{ActivityError, failure_type, name_list},
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
    duplicates: Vec<&'static str>,
}

impl std::fmt::Debug for ActivityRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.handlers.keys()).finish()
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
            let error = ActivityError::non_retryable(failure_type::PAYLOAD_ERROR, e.to_string());
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

    /// Names registered more than once.
    pub(crate) fn duplicates(&self) -> &[&'static str] {
        &self.duplicates
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }

    /// The handler for `name`; the error lists the registered names.
    pub(crate) fn get(&self, name: &str) -> Result<ActivityHandler, String> {
        self.handlers.get(name).cloned().ok_or_else(|| {
            format!(
                "unknown activity type `{name}`: this worker registers {}",
                name_list(self.handlers.keys().copied())
            )
        })
    }
}

/// A struct whose `#[activities]` impl registers all its activity methods on a worker.
pub trait ActivityGroup: Send + Sync + Sized + 'static {
    /// Adds every activity method of `self` to the registry.
    fn register(self: Arc<Self>, registry: &mut ActivityRegistry);
}
