//! The workflow context: the only door from workflow code to time, randomness, timers,
//! activities and the workflow's state, all of them deterministic and replayed from history.

use std::{
    cell::RefCell,
    fmt,
    future::{Future, IntoFuture},
    rc::Rc,
    task::Poll,
    time::{Duration, SystemTime},
};

use futures::future::Either;

use crate::{
    activity::definition::{ActivityDefinition, ActivityFn},
    attributes::{Memo, SearchAttributes},
    error::Cancelled,
    metrics::MetricMeter,
    workflow::shared::add_waker,
    workflow::{
        cancellation::{CancellationScope, InScope},
        futures::{ActivityWithoutTimeout, Timer},
        info::WorkflowInfo,
        local_activity::LocalActivityWithoutTimeout,
        shared::{RunShared, unit_f64, uuid4_from},
    },
};

/// The handle workflow code uses for everything that must replay identically: time,
/// randomness, timers, activities and the workflow's state.
///
/// It is cheap to clone; clones share the run.
pub struct WorkflowContext<W> {
    shared: Rc<RefCell<RunShared>>,
    state: Rc<RefCell<W>>,
}

impl<W> Clone for WorkflowContext<W> {
    fn clone(&self) -> Self {
        Self {
            shared: Rc::clone(&self.shared),
            state: Rc::clone(&self.state),
        }
    }
}

impl<W> fmt::Debug for WorkflowContext<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkflowContext")
            .field("info", &self.shared.borrow().info)
            .finish_non_exhaustive()
    }
}

impl<W> WorkflowContext<W> {
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, state: Rc<RefCell<W>>) -> Self {
        Self { shared, state }
    }

    pub(crate) fn shared(&self) -> &Rc<RefCell<RunShared>> {
        &self.shared
    }

    pub(crate) fn state_cell(&self) -> &Rc<RefCell<W>> {
        &self.state
    }

    /// Reads the workflow's state. The closure cannot hold the borrow across an `.await`.
    ///
    /// Calling `state_mut` inside the closure fails the workflow task with a message naming
    /// the inner call's place: return what you need from this closure, then change the state.
    #[track_caller]
    pub fn state<R>(&self, read: impl FnOnce(&W) -> R) -> R {
        let Ok(state) = self.state.try_borrow() else {
            nested_state_call("state")
        };
        read(&state)
    }

    /// Changes the workflow's state. The closure cannot hold the borrow across an `.await`.
    ///
    /// Calling `state` or `state_mut` inside the closure fails the workflow task with a
    /// message naming the inner call's place.
    #[track_caller]
    pub fn state_mut<R>(&self, change: impl FnOnce(&mut W) -> R) -> R {
        let Ok(mut state) = self.state.try_borrow_mut() else {
            nested_state_call("state_mut")
        };
        self.shared.borrow_mut().state_version += 1;
        change(&mut state)
    }

    /// Waits until `condition` holds for the workflow's state. It is checked now and again
    /// whenever the state may have changed (a signal, an update, `state_mut`), never on a
    /// clock, so it replays identically. Returns [`Cancelled`] if the workflow's cancellation
    /// is requested first (unless it runs inside [`non_cancellable`](Self::non_cancellable)).
    ///
    /// ```
    /// # use workflow_runtime::prelude::*;
    /// #[derive(Default)]
    /// pub struct Approval { approved: Option<bool> }
    ///
    /// #[workflow]
    /// impl Approval {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
    ///         ctx.wait_condition(|s| s.approved.is_some()).await?;
    ///         Ok(ctx.state(|s| s.approved == Some(true)))
    ///     }
    ///
    ///     #[signal]
    ///     fn approve(&mut self, approved: bool) {
    ///         self.approved = Some(approved);
    ///     }
    /// }
    /// ```
    pub async fn wait_condition(
        &self,
        mut condition: impl FnMut(&W) -> bool,
    ) -> Result<(), Cancelled> {
        self.wait_until(true, || condition(&self.state.borrow()))
            .await
    }

    /// Waits until `ready` holds, checked now and whenever the run's state may have changed;
    /// a `cancellable` wait ends early with the workflow's cancellation.
    async fn wait_until(
        &self,
        cancellable: bool,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), Cancelled> {
        std::future::poll_fn(|cx| {
            if ready() {
                return Poll::Ready(Ok(()));
            }
            let mut shared = self.shared.borrow_mut();
            if cancellable && let Some(cancelled) = shared.cancellation_here() {
                return Poll::Ready(Err(cancelled));
            }
            add_waker(&mut shared.condition_waiters, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// Waits until `condition` holds or `timeout` of workflow time passes, whichever comes
    /// first; returns whether the condition held. A durable timer backs the timeout (started
    /// only if the condition does not already hold, cancelled if the condition wins). Returns
    /// [`Cancelled`] if the workflow's cancellation is requested first.
    pub async fn wait_condition_for(
        &self,
        timeout: Duration,
        condition: impl FnMut(&W) -> bool,
    ) -> Result<bool, Cancelled> {
        match self
            .select(self.wait_condition(condition), self.sleep(timeout))
            .await
        {
            Either::Left(held) => held.map(|()| true),
            Either::Right(fired) => fired.map(|()| false),
        }
    }

    /// Waits until no async signal or update handler is running. Await it before returning
    /// from `run` so that in-flight handlers finish and their callers get their results. The
    /// workflow's cancellation does not interrupt it.
    pub async fn all_handlers_finished(&self) {
        // A wait that is not cancellable never returns the error.
        let _ = self
            .wait_until(false, || self.shared.borrow().running_handlers == 0)
            .await;
    }

    /// Whether the workflow's cancellation has been requested (by a client's
    /// `handle.cancel()`, `temporal workflow cancel`, or the parent of a child workflow).
    pub fn is_cancel_requested(&self) -> bool {
        self.shared.borrow().cancel_requested.is_some()
    }

    /// Completes when the workflow's cancellation is requested, with the request's reason.
    /// Select on it to react to a cancellation while waiting on something that it does not
    /// interrupt.
    pub async fn cancelled(&self) -> Cancelled {
        std::future::poll_fn(|cx| {
            let mut shared = self.shared.borrow_mut();
            match &shared.cancel_requested {
                Some(reason) => Poll::Ready(Cancelled::new(reason.clone())),
                None => {
                    add_waker(&mut shared.cancel_waiters, cx.waker());
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Runs `future` shielded from the workflow's cancellation: the timers, activities, child
    /// workflows and waits it starts are not cancelled when the workflow's cancellation is
    /// requested, so cleanup can run after one.
    ///
    /// By default a cancellation request cancels the run's pending timers, activities and
    /// child workflows, and their awaits return a cancellation error; new ones started
    /// afterwards outside this scope fail at once. A run that returns such an error (with
    /// `?`) ends as *cancelled*; a run that returns `Ok` completes normally.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workflow_runtime::prelude::*;
    /// #[activity]
    /// async fn refund(_ctx: ActivityContext, cents: u64) -> Result<(), ActivityError> {
    ///     Ok(())
    /// }
    ///
    /// #[derive(Default)]
    /// pub struct Subscription;
    ///
    /// #[workflow]
    /// impl Subscription {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<()> {
    ///         if let Err(cancelled) = ctx.sleep(Duration::from_secs(30 * 86_400)).await {
    ///             let options = ActivityOptions::start_to_close(Duration::from_secs(10));
    ///             ctx.non_cancellable(ctx.activity(refund, cents).options(options))
    ///                 .await?;
    ///             return Err(cancelled.into());
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn non_cancellable<F: IntoFuture>(&self, future: F) -> InScope<F::IntoFuture> {
        self.non_cancellable_scope().run(future)
    }

    /// A new cancellation scope inside the scope of the code running now: what runs in it
    /// ([`CancellationScope::run`]) is cancelled together by its
    /// [`cancel`](CancellationScope::cancel), and by any cancellation of the enclosing scopes
    /// (the workflow's, at the outermost). Scopes nest; the reference is the TypeScript SDK's
    /// `CancellationScope`.
    pub fn cancellation_scope(&self) -> CancellationScope {
        CancellationScope::new(Rc::clone(&self.shared), false)
    }

    /// A new scope that the enclosing scopes' cancellations (the workflow's included) do not
    /// reach; its own [`cancel`](CancellationScope::cancel) does.
    /// [`non_cancellable`](Self::non_cancellable) runs a future in a new one.
    pub fn non_cancellable_scope(&self) -> CancellationScope {
        CancellationScope::new(Rc::clone(&self.shared), true)
    }

    /// Facts about this run: ids, type, task queue, attempt, the run it continued from, its
    /// parent, and the history's length and size as of the current workflow task.
    pub fn info(&self) -> WorkflowInfo {
        self.shared.borrow().info.clone()
    }

    /// Sets or removes search attributes of this run ([`SearchAttributes::without`] removes
    /// one), so it can be found by them: `WorkflowType = 'Order' AND CustomerId = 'c-17'`.
    /// [`info`](Self::info) shows the result at once. Each attribute must be registered with
    /// the server.
    ///
    /// ```no_run
    /// # use workflow_runtime::{prelude::*, SearchAttributeKey, SearchAttributes};
    /// # #[derive(Default)] pub struct Order;
    /// const STAGE: SearchAttributeKey<String> = SearchAttributeKey::keyword("OrderStage");
    /// # #[workflow] impl Order { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
    /// ctx.upsert_search_attributes(SearchAttributes::new().with(&STAGE, "paid".to_owned()));
    /// # Ok(()) } }
    /// ```
    pub fn upsert_search_attributes(&self, attributes: SearchAttributes) {
        self.shared
            .borrow_mut()
            .upsert_search_attributes(&attributes);
    }

    /// Sets or removes memo entries of this run ([`Memo::without`] removes one);
    /// [`info`](Self::info) shows the result at once.
    pub fn upsert_memo(&self, memo: Memo) {
        self.shared.borrow_mut().upsert_memo(&memo);
    }

    /// Records metrics labelled with this run's namespace, task queue and workflow type, on
    /// the [`Telemetry`](crate::Telemetry) of the worker's client (nothing without one).
    /// Replay-safe: nothing is recorded while the run replays history, so each recording
    /// happens once however often the run is replayed.
    pub fn metric_meter(&self) -> MetricMeter {
        self.shared
            .borrow()
            .metrics
            .as_ref()
            .map_or_else(MetricMeter::none, |(meter, _)| meter.clone())
    }

    /// Workflow time: the time of the current workflow task, identical on replay.
    pub fn now(&self) -> SystemTime {
        self.shared.borrow().now
    }

    /// Whether the current activation replays history (side effects such as logging are
    /// suppressed while it does).
    pub fn is_replaying(&self) -> bool {
        self.shared.borrow().replaying
    }

    /// Whether this run takes the new branch of a code change guarded by patch `id`: `true` for
    /// a run that reaches this call for the first time on code that has the patch (it records a
    /// marker in the history), `false` for a run whose history got past this point before the
    /// patch existed (it replays the old branch, and keeps taking it on later tasks). The
    /// answer for an id never changes within a run. Change workflow code this way while runs
    /// started on the old code are still open; see `docs/versioning.md` for when the old branch
    /// can go.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workflow_runtime::prelude::*;
    /// # #[activity] async fn charge_legacy(_ctx: ActivityContext, cents: u64) -> Result<(), ActivityError> { Ok(()) }
    /// # #[activity] async fn charge(_ctx: ActivityContext, cents: u64) -> Result<(), ActivityError> { Ok(()) }
    /// # #[derive(Default)] pub struct Payment;
    /// #[workflow]
    /// impl Payment {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<()> {
    ///         let options = ActivityOptions::start_to_close(Duration::from_secs(10));
    ///         if ctx.patched("new-processor") {
    ///             ctx.activity(charge, cents).options(options).await?;
    ///         } else {
    ///             ctx.activity(charge_legacy, cents).options(options).await?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn patched(&self, id: &str) -> bool {
        self.shared.borrow_mut().patch(id, false)
    }

    /// Marks patch `id` as deprecated, once no open run needs its old branch: the code keeps
    /// only the new branch and no longer asks. Histories that recorded the patch's marker
    /// still replay, and so do histories of runs started after this change; a run that took
    /// the old branch would not, so remove the old branch only after the last such run closed.
    /// A later release can drop the call too.
    pub fn deprecate_patch(&self, id: &str) {
        self.shared.borrow_mut().patch(id, true);
    }

    /// A deterministic random `u64`, seeded by the server and identical on replay.
    pub fn random(&self) -> u64 {
        self.shared.borrow_mut().rng.next_u64()
    }

    /// A deterministic random `f64` in `[0, 1)`.
    pub fn random_f64(&self) -> f64 {
        unit_f64(self.random())
    }

    /// A deterministic version-4 UUID.
    pub fn uuid4(&self) -> uuid::Uuid {
        uuid4_from(self.random(), self.random())
    }

    /// A durable timer: completes after `duration` of workflow time, even across worker
    /// restarts. Returns [`Cancelled`] if the workflow's cancellation is requested first (or
    /// [`Timer::cancel`] is called); dropping it before it fires cancels it.
    pub fn sleep(&self, duration: Duration) -> Timer {
        Timer::new(Rc::clone(&self.shared), duration)
    }

    /// Calls an activity by its `#[activity]` function or method; `.options(..)` sets the
    /// timeouts and retries, and `.await` runs it. The call cannot be awaited before a timeout
    /// is set: Temporal refuses activities without a start-to-close or schedule-to-close
    /// timeout, and here that is a compile error rather than a workflow task that fails at run
    /// time.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workflow_runtime::prelude::*;
    /// #[activity]
    /// async fn charge_payment(_ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
    ///     Ok(format!("txn-{cents}"))
    /// }
    ///
    /// #[derive(Default)]
    /// pub struct Checkout;
    ///
    /// #[workflow]
    /// impl Checkout {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<String> {
    ///         let transaction = ctx
    ///             .activity(charge_payment, cents)
    ///             .options(ActivityOptions::start_to_close(Duration::from_secs(30)))
    ///             .await?;
    ///         Ok(transaction)
    ///     }
    /// }
    /// ```
    pub fn activity<F, Args>(
        &self,
        _activity: F,
        input: <F::Definition as ActivityDefinition>::Input,
    ) -> ActivityWithoutTimeout<F::Definition>
    where
        F: ActivityFn<Args>,
    {
        ActivityWithoutTimeout::new(Rc::clone(&self.shared), input)
    }

    /// Calls an activity as a *local* activity: this worker runs it, without a round trip to
    /// the server per attempt, and the history records its outcome as a marker, so a replay
    /// never runs it again. Suited to short work (milliseconds to seconds) where an
    /// activity's scheduling latency would dominate. The activity must be registered on this
    /// worker. `.options(..)` sets the timeouts, retries and local retry threshold, and as for
    /// [`activity`](Self::activity) the call cannot be awaited before a timeout is set.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workflow_runtime::prelude::*;
    /// #[activity]
    /// async fn fx_rate(_ctx: ActivityContext, currency: String) -> Result<f64, ActivityError> {
    ///     Ok(if currency == "EUR" { 1.08 } else { 1.0 })
    /// }
    ///
    /// #[derive(Default)]
    /// pub struct Convert;
    ///
    /// #[workflow]
    /// impl Convert {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<u64> {
    ///         let rate = ctx
    ///             .local_activity(fx_rate, "EUR".to_owned())
    ///             .options(LocalActivityOptions::start_to_close(Duration::from_secs(5)))
    ///             .await?;
    ///         Ok((cents as f64 * rate) as u64)
    ///     }
    /// }
    /// ```
    pub fn local_activity<F, Args>(
        &self,
        _activity: F,
        input: <F::Definition as ActivityDefinition>::Input,
    ) -> LocalActivityWithoutTimeout<F::Definition>
    where
        F: ActivityFn<Args>,
    {
        LocalActivityWithoutTimeout::new(Rc::clone(&self.shared), input)
    }

    /// Waits for two futures (or activity calls), polling them in argument order, so the
    /// commands they produce come out in the same order on every replay.
    pub fn join<A: IntoFuture, B: IntoFuture>(
        &self,
        a: A,
        b: B,
    ) -> impl Future<Output = (A::Output, B::Output)> + use<W, A, B> {
        futures::future::join(a.into_future(), b.into_future())
    }

    /// Waits for three futures, polling them in argument order.
    pub fn join3<A: IntoFuture, B: IntoFuture, C: IntoFuture>(
        &self,
        a: A,
        b: B,
        c: C,
    ) -> impl Future<Output = (A::Output, B::Output, C::Output)> + use<W, A, B, C> {
        futures::future::join3(a.into_future(), b.into_future(), c.into_future())
    }

    /// Waits for all futures; results come back in input order.
    pub fn join_all<I>(
        &self,
        futures: I,
    ) -> impl Future<Output = Vec<<I::Item as IntoFuture>::Output>> + use<W, I>
    where
        I: IntoIterator,
        I::Item: IntoFuture,
    {
        futures::future::join_all(futures.into_iter().map(IntoFuture::into_future))
    }

    /// Waits for the first of any number of futures, polling them in order, and drops
    /// (cancels) the others; returns the index of the one that finished and its output.
    /// When several are ready in the same activation, the earliest in the list wins, so the
    /// choice replays identically. `None` for no futures.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use workflow_runtime::prelude::*;
    /// #[activity]
    /// async fn quote(_ctx: ActivityContext, supplier: String) -> Result<u64, ActivityError> {
    ///     Ok(100)
    /// }
    ///
    /// #[derive(Default)]
    /// pub struct FirstQuote;
    ///
    /// #[workflow]
    /// impl FirstQuote {
    ///     #[run]
    ///     async fn run(ctx: WorkflowContext<Self>, suppliers: Vec<String>) -> WorkflowResult<u64> {
    ///         let options = ActivityOptions::start_to_close(Duration::from_secs(30));
    ///         let asks = suppliers
    ///             .into_iter()
    ///             .map(|supplier| ctx.activity(quote, supplier).options(options.clone()));
    ///         match ctx.select_all(asks).await {
    ///             Some((_, first)) => Ok(first?),
    ///             None => Err(WorkflowError::application("NoSuppliers", "nobody to ask")),
    ///         }
    ///     }
    /// }
    /// ```
    pub async fn select_all<I>(
        &self,
        futures: I,
    ) -> Option<(usize, <I::Item as IntoFuture>::Output)>
    where
        I: IntoIterator,
        I::Item: IntoFuture,
    {
        let mut futures: Vec<_> = futures
            .into_iter()
            .map(|future| Box::pin(future.into_future()))
            .collect();
        if futures.is_empty() {
            return None;
        }
        std::future::poll_fn(|cx| {
            for (index, future) in futures.iter_mut().enumerate() {
                if let Poll::Ready(out) = future.as_mut().poll(cx) {
                    return Poll::Ready(Some((index, out)));
                }
            }
            Poll::Pending
        })
        .await
    }

    /// Waits for the first of two futures and drops (cancels) the other. When both are ready
    /// in the same activation, `a` wins, so the choice replays identically.
    pub async fn select<A: IntoFuture, B: IntoFuture>(
        &self,
        a: A,
        b: B,
    ) -> Either<A::Output, B::Output> {
        let mut a = std::pin::pin!(a.into_future());
        let mut b = std::pin::pin!(b.into_future());
        std::future::poll_fn(|cx| {
            if let Poll::Ready(out) = a.as_mut().poll(cx) {
                return Poll::Ready(Either::Left(out));
            }
            if let Poll::Ready(out) = b.as_mut().poll(cx) {
                return Poll::Ready(Either::Right(out));
            }
            Poll::Pending
        })
        .await
    }
}

/// A state closure opened inside another that still holds the state: a bug in the workflow's
/// code, reported at the inner call (the panic fails the workflow task with this message).
#[track_caller]
fn nested_state_call(call: &str) -> ! {
    panic!(
        "ctx.{call}(..) was called inside another state closure (ctx.state or ctx.state_mut), \
         which still holds the state: return what you need from the outer closure, then call \
         ctx.{call}(..) after it"
    )
}
