//! The trait `#[workflow]` implements, and the trait that lets client code name a workflow by
//! its `#[run]` method.

use futures::future::LocalBoxFuture;
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    deployment::VersioningBehavior,
    error::WorkflowResult,
    payload::{Payload, PayloadError},
    workflow::{context::WorkflowContext, handlers::Handlers},
};

/// A workflow type: implemented by `#[workflow]` on the workflow's impl block.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a workflow",
    note = "add `#[workflow]` to the `impl {Self}` block that holds its `#[run]` method"
)]
pub trait WorkflowDefinition: Sized + 'static {
    /// The workflow type name on the wire (defaults to the Rust type name).
    const NAME: &'static str;
    /// How runs move between worker deployment versions, from `#[workflow(versioning = ..)]`;
    /// `None` leaves it to the worker's default.
    const VERSIONING: Option<VersioningBehavior> = None;
    /// The `#[run]` method's arguments (one type, or a tuple for several).
    type Input;
    /// The workflow's result type.
    type Output: Serialize + DeserializeOwned + 'static;

    /// The workflow's state before `run` or any handler sees it, built from the run's decoded
    /// input: by the `#[init]` method, or `Default::default()` without one.
    fn initial_state(input: &Self::Input) -> Self;
    /// Encodes the input as the workflow's argument payloads.
    fn encode_input(input: &Self::Input) -> Result<Vec<Payload>, PayloadError>;
    /// Decodes the argument payloads; errors name the expected Rust type.
    fn decode_input(payloads: &[Payload]) -> Result<Self::Input, PayloadError>;
    /// Runs the workflow's `#[run]` method.
    fn execute(
        ctx: WorkflowContext<Self>,
        input: Self::Input,
    ) -> LocalBoxFuture<'static, WorkflowResult<Self::Output>>;
    /// The workflow's `#[signal]`, `#[query]` and `#[update]` handlers (generated; the worker
    /// and the typed client calls read it).
    #[doc(hidden)]
    fn handlers() -> &'static Handlers<Self>;
    /// The commands the workflow's code can produce, in source order, one `method: command`
    /// per call (generated; `testing::VersioningLock` compares them
    /// with a lock file).
    #[doc(hidden)]
    const COMMANDS: &'static [&'static str] = &[];
    /// Whether a worker or replayer may register the type: false only for the stand-ins of
    /// calls by name, which registration refuses at compile time.
    #[doc(hidden)]
    const RUNS_ON_A_WORKER: bool = true;
    /// Whether this is the dynamic workflow (`#[workflow(dynamic)]`), which runs every type
    /// without a workflow of its own.
    #[doc(hidden)]
    const DYNAMIC: bool = false;
}

/// A workflow's `#[run]` method, as passed to `client.start(OrderWorkflow::run, input, ..)`.
/// `Args` is inferred; users never name it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the `#[run]` method of a workflow",
    note = "pass the `#[run]` method of an impl annotated with `#[workflow]`, e.g. `OrderWorkflow::run`"
)]
pub trait WorkflowRunFn<Args> {
    /// The workflow whose run method this is.
    type Workflow: WorkflowDefinition;
}

macro_rules! workflow_run_fn_impls {
    ($($arg:ident),*) => {
        impl<F, W, Fut, $($arg,)*> WorkflowRunFn<(WorkflowContext<W>, $($arg,)*)> for F
        where
            F: Fn(WorkflowContext<W>, $($arg,)*) -> Fut,
            W: WorkflowDefinition,
        {
            type Workflow = W;
        }
    };
}

workflow_run_fn_impls!();
workflow_run_fn_impls!(I1);
workflow_run_fn_impls!(I1, I2);
workflow_run_fn_impls!(I1, I2, I3);
workflow_run_fn_impls!(I1, I2, I3, I4);
