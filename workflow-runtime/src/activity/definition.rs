//! The traits `#[activity]` and `#[activities]` implement, and the trait that lets workflow and
//! worker code name an activity by its function or method.

use std::{future::Future, marker::PhantomData, pin::Pin, sync::Arc};

use futures::future::BoxFuture;
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    activity::context::ActivityContext,
    error::ActivityError,
    payload::{Payload, PayloadError},
};

/// An activity type: implemented by `#[activity]` on a marker type generated beside the
/// function or method.
pub trait ActivityDefinition: 'static {
    /// The activity type name on the wire (defaults to the function or method name).
    const NAME: &'static str;
    /// The activity's arguments after its `ActivityContext` (one type, or a tuple).
    type Input: Send + 'static;
    /// The value the activity returns on success.
    type Output: Serialize + DeserializeOwned + Send + 'static;

    /// Encodes the input as argument payloads.
    fn encode_input(input: &Self::Input) -> Result<Vec<Payload>, PayloadError>;
    /// Decodes argument payloads; errors name the expected Rust type.
    fn decode_input(payloads: &[Payload]) -> Result<Self::Input, PayloadError>;
}

/// An activity implemented by a free `async fn`.
pub trait FreeActivity: ActivityDefinition {
    /// Calls the function.
    fn execute(
        ctx: ActivityContext,
        input: Self::Input,
    ) -> BoxFuture<'static, Result<Self::Output, ActivityError>>;
}

/// An activity implemented by a method of a struct that holds dependencies.
pub trait MethodActivity: ActivityDefinition {
    /// The struct whose method this is.
    type Receiver: Send + Sync + 'static;
    /// Calls the method on a shared instance.
    fn execute(
        receiver: Arc<Self::Receiver>,
        ctx: ActivityContext,
        input: Self::Input,
    ) -> BoxFuture<'static, Result<Self::Output, ActivityError>>;
}

/// What an `#[activity]` function returns when called: a future of its result, tagged with
/// the activity's definition so workflow code can pass the function itself to `ctx.activity`.
///
/// Awaiting it runs the activity body directly, which is how unit tests call activities
/// without a server.
#[must_use = "an activity does nothing unless awaited"]
pub struct Activity<'a, A: ActivityDefinition> {
    future: BoxFuture<'a, Result<A::Output, ActivityError>>,
    _definition: PhantomData<fn() -> A>,
}

impl<'a, A: ActivityDefinition> Activity<'a, A> {
    #[doc(hidden)]
    pub fn new(future: impl Future<Output = Result<A::Output, ActivityError>> + Send + 'a) -> Self {
        Self {
            future: Box::pin(future),
            _definition: PhantomData,
        }
    }
}

impl<A: ActivityDefinition> Future for Activity<'_, A> {
    type Output = Result<A::Output, ActivityError>;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        self.future.as_mut().poll(cx)
    }
}

impl<A: ActivityDefinition> std::fmt::Debug for Activity<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Activity").field("name", &A::NAME).finish()
    }
}

/// Marks the receiver position in [`ActivityFn`]'s argument list for method activities.
#[doc(hidden)]
#[derive(Debug)]
pub struct MethodOf<S>(PhantomData<S>);

/// An `#[activity]` function or method, as passed to `ctx.activity(charge_payment, input)` and
/// `Worker::activity(charge_payment)`. `Args` is inferred; users never name it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activity",
    note = "pass a function or method annotated with `#[activity]`"
)]
pub trait ActivityFn<Args> {
    /// The activity's definition.
    type Definition: ActivityDefinition;
}

macro_rules! activity_fn_impls {
    ($($arg:ident),*) => {
        impl<F, A, $($arg,)*> ActivityFn<(ActivityContext, $($arg,)*)> for F
        where
            F: Fn(ActivityContext, $($arg,)*) -> Activity<'static, A>,
            A: ActivityDefinition,
        {
            type Definition = A;
        }

        impl<F, A, S, $($arg,)*> ActivityFn<(MethodOf<S>, ActivityContext, $($arg,)*)> for F
        where
            F: for<'a> Fn(&'a S, ActivityContext, $($arg,)*) -> Activity<'a, A>,
            A: ActivityDefinition,
        {
            type Definition = A;
        }
    };
}

activity_fn_impls!();
activity_fn_impls!(I1);
activity_fn_impls!(I1, I2);
activity_fn_impls!(I1, I2, I3);
activity_fn_impls!(I1, I2, I3, I4);
