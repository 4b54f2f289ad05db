//! The only paths that macro-generated code names. Not public API: no stability promise.

pub use std::{
    boxed::Box,
    option::Option,
    result::Result,
    string::String,
    sync::{Arc, OnceLock},
    vec::Vec,
};

pub use futures::future::{BoxFuture, LocalBoxFuture};

pub use crate::{
    activity::{
        Activity, ActivityContext, ActivityDefinition, ActivityGroup, ActivityRegistry,
        FreeActivity, MethodActivity,
    },
    clock_probe::{AnyTime, ClockProbe, ClockTime, ElapsedWithoutClock},
    deployment::VersioningBehavior,
    error::{ActivityError, WorkflowError, WorkflowResult},
    global_probe::{AnyGlobal, GlobalProbe, ImmutableGlobal, SharedBehindDeref, SharedGlobal},
    helper_probe::{
        AnyArgument, AnyReturn, ArgumentProbe, DeterministicHelper, HashArgument, HashedArgument,
        HiddenReturn, OtherArgument, ReturnProbe, VisibleReturn,
    },
    order_probe::{
        AnyHasherKind, AnyOrder, AnySum, DeterministicOrder, FixedHasher, FixedHasherKind,
        FloatSum, HasherProbe, OrderIndependentSum, OrderProbe, RandomHasher, RandomOrder,
        SumProbe,
    },
    payload::{
        Payload, PayloadError,
        arguments::{check_arg_count, decode_arg},
        encode,
    },
    workflow::{
        HandlerContext, WorkflowContext, WorkflowDefinition,
        handler_fn::{QueryMethod, SignalMethod, UpdateMethod, WithContext},
        handlers::{
            Handlers, SignalHandler, UpdateHandler, UpdateResult, signal_future, update_future,
            validator_outcome,
        },
    },
};

/// Fails to compile, at the user's type, when a workflow or activity argument or result cannot
/// travel as a payload.
pub fn assert_payload_type<T: serde::Serialize + serde::de::DeserializeOwned>() {}

/// The version of the interface generated code is written against: this crate's major and
/// minor version. Every expansion of the macros holds
/// `const _: __private::Version<MAJOR, MINOR> = __private::VERSION;` with the version of the
/// `workflow-macros` that expanded it, so a macro crate paired with a runtime of another
/// version is refused at compile time, with an error that names both versions ("expected
/// `Version<0, 1>`, found `Version<0, 2>`"), instead of generated code calling helpers whose
/// meaning changed. (serde names its private module for its version for the same reason.)
/// Keep `Version` and `VERSION` as they are in every release.
#[derive(Debug, Clone, Copy)]
pub struct Version<const MAJOR: u32, const MINOR: u32>;

/// This runtime's [`Version`].
pub const VERSION: Version<
    { version_number(env!("CARGO_PKG_VERSION_MAJOR")) },
    { version_number(env!("CARGO_PKG_VERSION_MINOR")) },
> = Version;

/// A decimal version component, at compile time.
const fn version_number(digits: &str) -> u32 {
    let digits = digits.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < digits.len() {
        value = value * 10 + (digits[i] - b'0') as u32;
        i += 1;
    }
    value
}
