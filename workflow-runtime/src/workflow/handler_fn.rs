//! The traits that let client code (and workflow code signalling another workflow) name a
//! handler by its method (`OrderWorkflow::approve`), so that argument and result types are
//! checked at compile time, and the encoding of the arguments the caller passes.

use std::future::Future;

use serde::{Serialize, de::DeserializeOwned};

use crate::{
    payload::{Payload, PayloadError, encode},
    workflow::{context::WorkflowContext, definition::WorkflowDefinition, handlers::SignalOutput},
};

/// The arguments of a handler after its receiver or context, as a tuple: `()`, `(A,)`,
/// `(A, B)`... The client passes `Input`: nothing (`()`), the single value, or a tuple.
pub trait HandlerArgs {
    /// What the caller passes.
    type Input;
    /// Encodes the arguments as payloads, one per argument.
    fn encode(input: &Self::Input) -> Result<Vec<Payload>, PayloadError>;
}

impl HandlerArgs for () {
    type Input = ();
    fn encode(_input: &()) -> Result<Vec<Payload>, PayloadError> {
        Ok(Vec::new())
    }
}

impl<A: Serialize> HandlerArgs for (A,) {
    type Input = A;
    fn encode(input: &A) -> Result<Vec<Payload>, PayloadError> {
        Ok(vec![encode(input)?])
    }
}

macro_rules! handler_args_tuple {
    ($($arg:ident $index:tt),*) => {
        impl<$($arg: Serialize,)*> HandlerArgs for ($($arg,)*) {
            type Input = ($($arg,)*);
            fn encode(input: &Self::Input) -> Result<Vec<Payload>, PayloadError> {
                Ok(vec![$(encode(&input.$index)?),*])
            }
        }
    };
}

handler_args_tuple!(A 0, B 1);
handler_args_tuple!(A 0, B 1, C 2);
handler_args_tuple!(A 0, B 1, C 2, D 3);

/// Marks a sync handler (one that takes `&self` / `&mut self`) in the inferred signature.
#[doc(hidden)]
#[derive(Debug)]
pub struct SyncHandlerMarker;

/// A `#[signal]` method of workflow `W`, as passed to `handle.signal(OrderWorkflow::approve,
/// input)`. `Sig` is inferred; users never name it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a signal handler of workflow `{W}`",
    note = "pass a `#[signal]` method of the workflow this handle belongs to, with its argument types"
)]
pub trait SignalFn<W, Sig> {
    /// The handler's arguments.
    type Args: HandlerArgs;
}

/// A `#[query]` method of workflow `W`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a query handler of workflow `{W}`",
    note = "pass a `#[query]` method (`fn(&self, ..) -> T`) of the workflow this handle belongs to"
)]
pub trait QueryFn<W, Sig> {
    /// The handler's arguments.
    type Args: HandlerArgs;
    /// The query's result.
    type Output: DeserializeOwned;
}

/// An `#[update]` method of workflow `W`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an update handler of workflow `{W}`",
    note = "pass an `#[update]` method of the workflow this handle belongs to, with its argument types"
)]
pub trait UpdateFn<W, Sig> {
    /// The handler's arguments.
    type Args: HandlerArgs;
    /// The update's successful result.
    type Output: DeserializeOwned;
}

macro_rules! handler_fn_impls {
    ($($arg:ident),*) => {
        impl<F, W, $($arg,)*> SignalFn<W, (SyncHandlerMarker, $($arg,)*)> for F
        where
            F: for<'a> Fn(&'a mut W, $($arg,)*),
            W: WorkflowDefinition,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
        }

        impl<F, W, Fut, $($arg,)*> SignalFn<W, (WorkflowContext<W>, $($arg,)*)> for F
        where
            F: Fn(WorkflowContext<W>, $($arg,)*) -> Fut,
            Fut: Future,
            Fut::Output: SignalOutput,
            W: WorkflowDefinition,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
        }

        impl<F, W, T, $($arg,)*> QueryFn<W, (SyncHandlerMarker, $($arg,)*)> for F
        where
            F: for<'a> Fn(&'a W, $($arg,)*) -> T,
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
        }

        impl<F, W, T, E, $($arg,)*> UpdateFn<W, (SyncHandlerMarker, $($arg,)*)> for F
        where
            F: for<'a> Fn(&'a mut W, $($arg,)*) -> Result<T, E>,
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
        }

        impl<F, W, Fut, T, E, $($arg,)*> UpdateFn<W, (WorkflowContext<W>, $($arg,)*)> for F
        where
            F: Fn(WorkflowContext<W>, $($arg,)*) -> Fut,
            Fut: Future<Output = Result<T, E>>,
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
        }
    };
}

handler_fn_impls!();
handler_fn_impls!(A);
handler_fn_impls!(A, B);
handler_fn_impls!(A, B, C);
handler_fn_impls!(A, B, C, D);
