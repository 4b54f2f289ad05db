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
    error::{ActivityError, WorkflowError, WorkflowResult},
    global_probe::{AnyGlobal, GlobalProbe, ImmutableGlobal, SharedGlobal},
    order_probe::{AnyOrder, DeterministicOrder, OrderProbe, RandomOrder},
    payload::{
        Payload, PayloadError,
        arguments::{check_arg_count, decode_arg},
        encode,
    },
    workflow::{
        WorkflowContext, WorkflowDefinition,
        handlers::{
            Handlers, SignalHandler, UpdateHandler, UpdateResult, signal_future, type_id_of,
            update_future, validator_outcome,
        },
    },
};

/// Fails to compile, at the user's type, when a workflow or activity argument or result cannot
/// travel as a payload.
pub fn assert_payload_type<T: serde::Serialize + serde::de::DeserializeOwned>() {}
