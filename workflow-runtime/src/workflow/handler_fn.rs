//! The traits that let client code (and workflow code signalling another workflow) name a
//! handler by its method (`OrderWorkflow::approve`), so that argument and result types are
//! checked at compile time, and the encoding of the arguments the caller passes.

use futures::future::LocalBoxFuture;
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    payload::{Payload, PayloadError, encode},
    workflow::{
        context::WorkflowContext, definition::WorkflowDefinition, handler_context::HandlerContext,
        handlers::SignalOutput,
    },
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

/// What `#[signal]` leaves under a handler method's name: the handler's wire name with the
/// method itself. Client code (and workflow code signalling another workflow) passes it by the
/// method's path, `handle.signal(OrderWorkflow::approve, true)`; only `#[signal]` makes one, so
/// passing any other method is a compile error, not a failure at run time. It dereferences to
/// the method, so plain Rust (a unit test) still calls it: `OrderWorkflow::approve(&mut order,
/// true)`.
pub struct SignalMethod<F> {
    name: &'static str,
    method: F,
}

/// What `#[query]` leaves under a handler method's name; see [`SignalMethod`].
pub struct QueryMethod<F> {
    name: &'static str,
    method: F,
}

/// What `#[update]` leaves under a handler method's name; see [`SignalMethod`].
pub struct UpdateMethod<F> {
    name: &'static str,
    method: F,
}

macro_rules! handler_method {
    ($method:ident) => {
        impl<F> $method<F> {
            /// Made by the macros only, with the handler's wire name.
            #[doc(hidden)]
            pub const fn new(name: &'static str, method: F) -> Self {
                Self { name, method }
            }
        }

        impl<F> std::ops::Deref for $method<F> {
            type Target = F;
            fn deref(&self) -> &F {
                &self.method
            }
        }

        impl<F> std::fmt::Debug for $method<F> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($method))
                    .field(&self.name)
                    .finish()
            }
        }

        impl<F> sealed::Sealed for $method<F> {}
    };
}

handler_method!(SignalMethod);
handler_method!(QueryMethod);
handler_method!(UpdateMethod);

/// A sync handler that takes a [`HandlerContext`] after `self`: the function pointer its
/// `SignalMethod`, `QueryMethod` or `UpdateMethod` holds, kept apart from those of handlers
/// without one so the two shapes never overlap. Dereferences to the function.
#[doc(hidden)]
pub struct WithContext<F>(F);

impl<F> WithContext<F> {
    #[doc(hidden)]
    pub const fn new(method: F) -> Self {
        Self(method)
    }
}

impl<F> std::fmt::Debug for WithContext<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WithContext")
    }
}

impl<F> std::ops::Deref for WithContext<F> {
    type Target = F;
    fn deref(&self) -> &F {
        &self.0
    }
}

mod sealed {
    /// Only the handler methods the macros make are handlers.
    pub trait Sealed {}
}

/// A `#[signal]` handler of workflow `W`, as passed to `handle.signal(OrderWorkflow::approve,
/// input)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a signal handler of workflow `{W}`",
    note = "pass a `#[signal]` method of the workflow this handle belongs to, with its argument types"
)]
pub trait SignalFn<W>: sealed::Sealed {
    /// The handler's arguments.
    type Args: HandlerArgs;
    /// The handler's wire name.
    fn wire_name(&self) -> &'static str;
}

/// A `#[query]` handler of workflow `W`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a query handler of workflow `{W}`",
    note = "pass a `#[query]` method (`fn(&self, ..) -> T`) of the workflow this handle belongs to"
)]
pub trait QueryFn<W>: sealed::Sealed {
    /// The handler's arguments.
    type Args: HandlerArgs;
    /// The query's result.
    type Output: DeserializeOwned;
    /// The handler's wire name.
    fn wire_name(&self) -> &'static str;
}

/// An `#[update]` handler of workflow `W`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an update handler of workflow `{W}`",
    note = "pass an `#[update]` method of the workflow this handle belongs to, with its argument types"
)]
pub trait UpdateFn<W>: sealed::Sealed {
    /// The handler's arguments.
    type Args: HandlerArgs;
    /// The update's successful result.
    type Output: DeserializeOwned;
    /// The handler's wire name.
    fn wire_name(&self) -> &'static str;
}

// The shapes `#[workflow]` gives the methods it keeps: sync handlers as written, async ones
// returning their future boxed (the only way to name it in a function pointer type).
macro_rules! handler_fn_impls {
    ($($arg:ident),*) => {
        #[diagnostic::do_not_recommend]
        impl<W, $($arg,)*> SignalFn<W>
            for SignalMethod<WithContext<fn(&mut W, &HandlerContext, $($arg,)*)>>
        where
            W: WorkflowDefinition,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }

        #[diagnostic::do_not_recommend]
        impl<W, T, $($arg,)*> QueryFn<W>
            for QueryMethod<WithContext<fn(&W, &HandlerContext, $($arg,)*) -> T>>
        where
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }

        #[diagnostic::do_not_recommend]
        impl<W, T, E, $($arg,)*> UpdateFn<W>
            for UpdateMethod<WithContext<fn(&mut W, &HandlerContext, $($arg,)*) -> Result<T, E>>>
        where
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }

        #[diagnostic::do_not_recommend]
        impl<W, $($arg,)*> SignalFn<W> for SignalMethod<fn(&mut W, $($arg,)*)>
        where
            W: WorkflowDefinition,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }

        #[diagnostic::do_not_recommend]
        impl<W, R, $($arg,)*> SignalFn<W>
            for SignalMethod<fn(WorkflowContext<W>, $($arg,)*) -> LocalBoxFuture<'static, R>>
        where
            W: WorkflowDefinition,
            R: SignalOutput,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }

        #[diagnostic::do_not_recommend]
        impl<W, T, $($arg,)*> QueryFn<W> for QueryMethod<fn(&W, $($arg,)*) -> T>
        where
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }

        #[diagnostic::do_not_recommend]
        impl<W, T, E, $($arg,)*> UpdateFn<W> for UpdateMethod<fn(&mut W, $($arg,)*) -> Result<T, E>>
        where
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }

        #[diagnostic::do_not_recommend]
        impl<W, T, E, $($arg,)*> UpdateFn<W>
            for UpdateMethod<fn(WorkflowContext<W>, $($arg,)*) -> LocalBoxFuture<'static, Result<T, E>>>
        where
            W: WorkflowDefinition,
            T: DeserializeOwned,
            ($($arg,)*): HandlerArgs,
        {
            type Args = ($($arg,)*);
            type Output = T;
            fn wire_name(&self) -> &'static str {
                self.name
            }
        }
    };
}

handler_fn_impls!();
handler_fn_impls!(A);
handler_fn_impls!(A, B);
handler_fn_impls!(A, B, C);
handler_fn_impls!(A, B, C, D);
