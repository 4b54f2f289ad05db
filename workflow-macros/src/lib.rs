//! Procedural macros of `workflow-runtime`: `#[workflow]`, `#[run]`, `#[init]`, `#[activity]` and
//! `#[activities]`. Use them through `workflow_runtime::prelude`.
#![forbid(unsafe_code)]

mod check;
mod commands;
mod ctxt;
mod determinism;
mod entry;
mod expand;
mod model;
mod parse;
#[cfg(test)]
mod snapshots;
mod symbol;
mod untimed;

use proc_macro::TokenStream;

/// Makes an impl block a Temporal workflow.
///
/// The impl holds one `#[run] async fn run(ctx: WorkflowContext<Self>, input..) ->
/// WorkflowResult<T>`; the type itself is the workflow's state, built by `Default` or, when
/// the impl has one, by the [`#[init]`](macro@init) method from the run's input. The workflow
/// type name defaults to the type's name; `#[workflow(name = "Orders")]` overrides it.
///
/// `#[workflow(dynamic)]` makes the dynamic workflow, which a worker runs for every workflow
/// type it has no workflow for: its run takes the raw arguments (`args: Vec<Payload>`, read
/// with `payload::decode`) and finds the type in `ctx.info().workflow_type`.
///
/// ```
/// use workflow_runtime::prelude::*;
///
/// #[derive(Default)]
/// pub struct Countdown { remaining: u32 }
///
/// #[workflow]
/// impl Countdown {
///     #[run]
///     async fn run(ctx: WorkflowContext<Self>, from: u32) -> WorkflowResult<u32> {
///         for _ in 0..from {
///             ctx.sleep(std::time::Duration::from_secs(1)).await?;
///             ctx.state_mut(|s| s.remaining += 1);
///         }
///         Ok(ctx.state(|s| s.remaining))
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::workflow(args.into(), item.into()).into()
}

/// Marks the entry point of a `#[workflow]` impl. Only valid inside one.
#[proc_macro_attribute]
pub fn run(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced(
        symbol::RUN,
        "an impl annotated with #[workflow]",
        args.into(),
        item.into(),
    )
    .into()
}

/// Marks the constructor of a `#[workflow]` impl, as `@workflow.init` does in the Python SDK:
/// it builds the workflow's state from the run's input before any signal, query, update or
/// `#[run]` sees the state, so a signal or update delivered with the start
/// (`signal_with_start`, `update_with_start`) already finds it. At most one per impl; only
/// valid inside one.
///
/// It takes the `#[run]` method's arguments after `ctx`, each by reference and in the same
/// order (`&T` where `run` takes `T`, or what `&T` coerces to, such as `&str` for a `String`;
/// nothing when `run` takes nothing), takes no `self`, is not `async` and returns `Self`. With
/// it the workflow type need not implement `Default`; without it the state starts as
/// `Default::default()`. A panic in it fails the workflow task, as one in `#[run]` does.
///
/// ```
/// use workflow_runtime::prelude::*;
///
/// pub struct Budget { owner: String, limit: u64, spent: u64 }
///
/// #[workflow]
/// impl Budget {
///     #[init]
///     fn new(owner: &str, limit: &u64) -> Self {
///         Self { owner: owner.to_owned(), limit: *limit, spent: 0 }
///     }
///
///     #[run]
///     async fn run(
///         ctx: WorkflowContext<Self>,
///         owner: String,
///         limit: u64,
///     ) -> WorkflowResult<String> {
///         ctx.wait_condition(move |s| s.spent == limit).await?;
///         Ok(format!("{owner} spent {limit}"))
///     }
///
///     #[update(validator = Self::check_spend)]
///     fn spend(&mut self, amount: u64) -> WorkflowResult<u64> {
///         self.spent += amount;
///         Ok(self.limit - self.spent)
///     }
///
///     // Runs against the state `new` built, even for an update sent with the start.
///     fn check_spend(&self, amount: &u64) -> WorkflowResult<()> {
///         if self.spent + amount > self.limit {
///             let message = format!("{} has {} left", self.owner, self.limit - self.spent);
///             return Err(WorkflowError::application("OverLimit", message));
///         }
///         Ok(())
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn init(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced(
        symbol::INIT,
        "an impl annotated with #[workflow]",
        args.into(),
        item.into(),
    )
    .into()
}

/// Marks a signal handler in a `#[workflow]` impl: `fn(&mut self, args..)`, or
/// `async fn(ctx: WorkflowContext<Self>, args..)` for one that runs activities or timers.
/// `#[signal(name = "..")]` sets the wire name; `#[signal(dynamic)]` receives every signal
/// without a handler of its own as `(name: String, args: Vec<Payload>)`.
#[proc_macro_attribute]
pub fn signal(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced(
        symbol::SIGNAL,
        "an impl annotated with #[workflow]",
        args.into(),
        item.into(),
    )
    .into()
}

/// Marks a query handler in a `#[workflow]` impl: `fn(&self, args..) -> T`, answered from the
/// current state without changing it. `name` and `dynamic` as for `#[signal]`.
#[proc_macro_attribute]
pub fn query(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced(
        symbol::QUERY,
        "an impl annotated with #[workflow]",
        args.into(),
        item.into(),
    )
    .into()
}

/// Marks an update handler in a `#[workflow]` impl: `fn(&mut self, args..) -> Result<T, E>`, or
/// `async fn(ctx: WorkflowContext<Self>, args..) -> Result<T, E>`. `validator = Self::check`
/// names a `fn check(&self, &args..) -> Result<(), E>` that can reject the update before it is
/// recorded; `name` and `dynamic` as for `#[signal]`.
#[proc_macro_attribute]
pub fn update(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced(
        symbol::UPDATE,
        "an impl annotated with #[workflow]",
        args.into(),
        item.into(),
    )
    .into()
}

/// Makes an `async fn` a Temporal activity.
///
/// The first parameter is `ctx: ActivityContext`, the others are the activity's arguments, and
/// the result is `Result<T, ActivityError>`. The function stays callable as plain Rust (it
/// returns a future of its result), and workflow code passes the function itself to
/// `ctx.activity(..)`. The activity type name defaults to the function's name;
/// `#[activity(name = "charge")]` overrides it.
///
/// ```
/// use workflow_runtime::prelude::*;
///
/// #[activity]
/// async fn double(_ctx: ActivityContext, x: u64) -> Result<u64, ActivityError> {
///     Ok(x * 2)
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let ctx = ActivityContext::detached(Default::default());
/// assert_eq!(double(ctx, 21).await.unwrap(), 42);
/// # }
/// ```
#[proc_macro_attribute]
pub fn activity(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::activity(args.into(), item.into()).into()
}

/// Makes the `#[activity]` methods of an impl block activities of a struct that holds their
/// dependencies (a connection pool, an HTTP client). Register an instance with
/// `Worker::activities(instance)`.
///
/// ```
/// use workflow_runtime::prelude::*;
///
/// pub struct Payments { fee: u64 }
///
/// #[activities]
/// impl Payments {
///     #[activity]
///     async fn charge(&self, _ctx: ActivityContext, amount: u64) -> Result<u64, ActivityError> {
///         Ok(amount + self.fee)
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn activities(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::activities(args.into(), item.into()).into()
}

/// Applies the workflow determinism check to a helper function or impl block that workflow code
/// calls: the same compile errors and warnings as inside a `#[workflow]` impl.
/// `#[deterministic(crate = path)]` names the runtime for crates that re-export it, as for the
/// other macros.
///
/// ```
/// use workflow_runtime::prelude::*;
///
/// #[deterministic]
/// fn total_cents(prices: &[u64]) -> u64 {
///     prices.iter().sum()
/// }
/// # fn main() { assert_eq!(total_cents(&[1, 2]), 3); }
/// ```
#[proc_macro_attribute]
pub fn deterministic(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::deterministic(args.into(), item.into()).into()
}

/// Allows one non-deterministic call, statement, block or function inside workflow code, with
/// a mandatory reason: `#[allow_nondeterminism(reason = "only logged, never drives commands")]`.
/// An optional category (`time`, `random`, `concurrency`, `io`, `env`, `global_state`,
/// `ordering`, `logging`) narrows it. Only valid inside `#[workflow]` or `#[deterministic]` code.
#[proc_macro_attribute]
pub fn allow_nondeterminism(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced(
        symbol::ALLOW_NONDETERMINISM,
        "code checked by #[workflow] or #[deterministic]",
        args.into(),
        item.into(),
    )
    .into()
}
