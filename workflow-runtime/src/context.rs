//! The workflow context: the only door from workflow code to time, randomness, timers and
//! activities, all of them deterministic and replayed from history.

use std::{
    cell::RefCell,
    collections::HashMap,
    fmt,
    future::{Future, IntoFuture},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll, Waker},
    time::{Duration, SystemTime},
};

use futures::future::Either;
use temporalio_common::protos::coresdk::{
    activity_result::{ActivityResolution, activity_resolution},
    workflow_commands::{
        ActivityCancellationType, CancelTimer, RequestCancelActivity, ScheduleActivity, StartTimer,
        workflow_command,
    },
};

use crate::{
    definition::{ActivityDefinition, ActivityFn},
    error::{ActivityFailed, application_failure},
    options::{ActivityOptions, proto_duration},
    payload::decode_result,
};

/// Facts about the running workflow, fixed for the run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkflowInfo {
    /// The workflow type name.
    pub workflow_type: String,
    /// The workflow id given by the starter.
    pub workflow_id: String,
    /// This run's id.
    pub run_id: String,
    /// The first run's id in a chain of retries or continue-as-new.
    pub first_execution_run_id: String,
    /// The namespace.
    pub namespace: String,
    /// The task queue the workflow runs on.
    pub task_queue: String,
    /// The attempt number, starting at 1.
    pub attempt: i32,
    /// When the run started, by the server's clock.
    pub start_time: Option<SystemTime>,
}

/// A value that a future waits for and an activation job delivers.
struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

type SlotRef<T> = Rc<RefCell<Slot<T>>>;

fn new_slot<T>() -> SlotRef<T> {
    Rc::new(RefCell::new(Slot {
        value: None,
        waker: None,
    }))
}

fn resolve_slot<T>(slot: &SlotRef<T>, value: T) {
    let waker = {
        let mut slot = slot.borrow_mut();
        slot.value = Some(value);
        slot.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

fn poll_slot<T>(slot: &SlotRef<T>, cx: &Context<'_>) -> Poll<T> {
    let mut slot = slot.borrow_mut();
    match slot.value.take() {
        Some(value) => Poll::Ready(value),
        None => {
            slot.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), seeded by the server through core, so a
/// replay draws the same numbers.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowRng(u64);

impl WorkflowRng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Per-run state shared by the context handles, the futures and the activation code.
pub(crate) struct RunShared {
    pub(crate) info: WorkflowInfo,
    pub(crate) now: SystemTime,
    pub(crate) replaying: bool,
    pub(crate) rng: WorkflowRng,
    pub(crate) commands: Vec<workflow_command::Variant>,
    /// Set once the run has produced its final command; later drops must not add commands.
    pub(crate) finished: bool,
    /// Bumped whenever the workflow's state may have changed, so wait conditions are checked
    /// again only then.
    pub(crate) state_version: u64,
    checked_version: u64,
    /// Tasks blocked in `wait_condition`; woken to check their condition again.
    condition_waiters: Vec<Waker>,
    /// Async signal and update handlers that have not finished.
    pub(crate) running_handlers: usize,
    next_timer_seq: u32,
    next_activity_seq: u32,
    timers: HashMap<u32, SlotRef<()>>,
    activities: HashMap<u32, SlotRef<ActivityResolution>>,
}

impl RunShared {
    pub(crate) fn new(info: WorkflowInfo, now: SystemTime, seed: u64) -> Self {
        Self {
            info,
            now,
            replaying: false,
            rng: WorkflowRng::new(seed),
            commands: Vec::new(),
            finished: false,
            state_version: 0,
            checked_version: 0,
            condition_waiters: Vec::new(),
            running_handlers: 0,
            next_timer_seq: 1,
            next_activity_seq: 1,
            timers: HashMap::new(),
            activities: HashMap::new(),
        }
    }

    /// Records the run's final command (complete, fail, cancel) unless one was recorded
    /// already: whichever of `run`, a failing signal handler or a cancellation comes first
    /// ends the run.
    pub(crate) fn finish(&mut self, command: workflow_command::Variant) {
        if !self.finished {
            self.finished = true;
            self.commands.push(command);
        }
    }

    /// Wakes the tasks waiting on a condition if the state changed since they last checked;
    /// returns whether any was woken.
    pub(crate) fn wake_condition_waiters(this: &RefCell<Self>) -> bool {
        let waiters = {
            let mut shared = this.borrow_mut();
            if shared.state_version == shared.checked_version {
                return false;
            }
            shared.checked_version = shared.state_version;
            std::mem::take(&mut shared.condition_waiters)
        };
        let woken = !waiters.is_empty();
        for waker in waiters {
            waker.wake();
        }
        woken
    }

    /// The sequence numbers of the timers and activities the run waits on, sorted.
    pub(crate) fn pending(&self) -> (Vec<u32>, Vec<u32>) {
        let mut timers: Vec<u32> = self.timers.keys().copied().collect();
        let mut activities: Vec<u32> = self.activities.keys().copied().collect();
        timers.sort_unstable();
        activities.sort_unstable();
        (timers, activities)
    }

    /// Delivers a fired timer; returns false for an unknown sequence number.
    pub(crate) fn fire_timer(this: &RefCell<Self>, seq: u32) -> bool {
        let slot = this.borrow_mut().timers.remove(&seq);
        match slot {
            Some(slot) => {
                resolve_slot(&slot, ());
                true
            }
            None => false,
        }
    }

    /// Delivers an activity result; returns false for an unknown sequence number.
    pub(crate) fn resolve_activity(
        this: &RefCell<Self>,
        seq: u32,
        resolution: ActivityResolution,
    ) -> bool {
        let slot = this.borrow_mut().activities.remove(&seq);
        match slot {
            Some(slot) => {
                resolve_slot(&slot, resolution);
                true
            }
            None => false,
        }
    }
}

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
    pub fn state<R>(&self, read: impl FnOnce(&W) -> R) -> R {
        read(&self.state.borrow())
    }

    /// Changes the workflow's state. The closure cannot hold the borrow across an `.await`.
    pub fn state_mut<R>(&self, change: impl FnOnce(&mut W) -> R) -> R {
        self.shared.borrow_mut().state_version += 1;
        change(&mut self.state.borrow_mut())
    }

    /// Waits until `condition` holds for the workflow's state. It is checked now and again
    /// whenever the state may have changed (a signal, an update, `state_mut`), never on a
    /// clock, so it replays identically.
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
    ///         ctx.wait_condition(|s| s.approved.is_some()).await;
    ///         Ok(ctx.state(|s| s.approved == Some(true)))
    ///     }
    ///
    ///     #[signal]
    ///     fn approve(&mut self, approved: bool) {
    ///         self.approved = Some(approved);
    ///     }
    /// }
    /// ```
    pub async fn wait_condition(&self, mut condition: impl FnMut(&W) -> bool) {
        self.wait_until(|| condition(&self.state.borrow())).await
    }

    /// Waits until `ready` holds, checked now and whenever the run's state may have changed.
    async fn wait_until(&self, mut ready: impl FnMut() -> bool) {
        std::future::poll_fn(|cx| {
            if ready() {
                return Poll::Ready(());
            }
            self.shared
                .borrow_mut()
                .condition_waiters
                .push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Waits until `condition` holds or `timeout` of workflow time passes, whichever comes
    /// first; returns whether the condition held. A durable timer backs the timeout (started
    /// only if the condition does not already hold, cancelled if the condition wins).
    pub async fn wait_condition_for(
        &self,
        timeout: Duration,
        condition: impl FnMut(&W) -> bool,
    ) -> bool {
        match self
            .select(self.wait_condition(condition), self.sleep(timeout))
            .await
        {
            Either::Left(()) => true,
            Either::Right(()) => false,
        }
    }

    /// Waits until no async signal or update handler is running. Await it before returning
    /// from `run` so that in-flight handlers finish and their callers get their results.
    pub async fn all_handlers_finished(&self) {
        self.wait_until(|| self.shared.borrow().running_handlers == 0)
            .await
    }

    /// Facts about this run: ids, type, task queue, attempt.
    pub fn info(&self) -> WorkflowInfo {
        self.shared.borrow().info.clone()
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

    /// A deterministic random `u64`, seeded by the server and identical on replay.
    pub fn random(&self) -> u64 {
        self.shared.borrow_mut().rng.next_u64()
    }

    /// A deterministic random `f64` in `[0, 1)`.
    pub fn random_f64(&self) -> f64 {
        // 53 random bits fill an f64 mantissa exactly.
        (self.random() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A deterministic version-4 UUID.
    pub fn uuid4(&self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.random().to_le_bytes());
        bytes[8..].copy_from_slice(&self.random().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A durable timer: completes after `duration` of workflow time, even across worker
    /// restarts. Dropping it before it fires cancels it.
    pub fn sleep(&self, duration: Duration) -> Timer {
        Timer {
            shared: Rc::clone(&self.shared),
            duration,
            scheduled: None,
        }
    }

    /// Calls an activity by its `#[activity]` function or method; `.options(..)` sets timeouts
    /// and retries, `.await` runs it.
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
    ) -> ActivityCall<F::Definition>
    where
        F: ActivityFn<Args>,
    {
        ActivityCall {
            shared: Rc::clone(&self.shared),
            input,
            options: ActivityOptions::default(),
        }
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

/// A durable timer started by [`WorkflowContext::sleep`].
#[must_use = "a timer does nothing unless awaited"]
pub struct Timer {
    shared: Rc<RefCell<RunShared>>,
    duration: Duration,
    scheduled: Option<(u32, SlotRef<()>)>,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

impl Future for Timer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.duration.is_zero() {
            return Poll::Ready(());
        }
        if self.scheduled.is_none() {
            let slot = new_slot();
            let mut shared = self.shared.borrow_mut();
            let seq = shared.next_timer_seq;
            shared.next_timer_seq += 1;
            shared.timers.insert(seq, Rc::clone(&slot));
            shared
                .commands
                .push(workflow_command::Variant::StartTimer(StartTimer {
                    seq,
                    start_to_fire_timeout: Some(proto_duration(self.duration)),
                }));
            drop(shared);
            self.scheduled = Some((seq, slot));
        }
        match &self.scheduled {
            Some((_, slot)) => poll_slot(slot, cx),
            None => Poll::Pending,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let Some((seq, slot)) = self.scheduled.take() else {
            return;
        };
        let fired = slot.borrow().value.is_some();
        let Ok(mut shared) = self.shared.try_borrow_mut() else {
            return;
        };
        if shared.timers.remove(&seq).is_some() && !fired && !shared.finished {
            shared
                .commands
                .push(workflow_command::Variant::CancelTimer(CancelTimer { seq }));
        }
    }
}

/// An activity invocation being configured; `.await` schedules it.
#[must_use = "an activity call does nothing unless awaited"]
pub struct ActivityCall<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    input: A::Input,
    options: ActivityOptions,
}

impl<A: ActivityDefinition> fmt::Debug for ActivityCall<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityCall")
            .field("activity_type", &A::NAME)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> ActivityCall<A> {
    /// Sets timeouts, task queue and retry policy.
    pub fn options(mut self, options: ActivityOptions) -> Self {
        self.options = options;
        self
    }
}

impl<A: ActivityDefinition> IntoFuture for ActivityCall<A> {
    type Output = Result<A::Output, ActivityFailed>;
    type IntoFuture = ActivityFuture<A>;

    fn into_future(self) -> ActivityFuture<A> {
        ActivityFuture {
            shared: self.shared,
            pending: Some((self.input, self.options)),
            scheduled: None,
        }
    }
}

/// A scheduled activity; resolves when core reports its outcome. Dropping it before then
/// requests cancellation.
#[must_use = "an activity does nothing unless awaited"]
pub struct ActivityFuture<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    pending: Option<(A::Input, ActivityOptions)>,
    scheduled: Option<(u32, SlotRef<ActivityResolution>)>,
}

impl<A: ActivityDefinition> fmt::Debug for ActivityFuture<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityFuture")
            .field("activity_type", &A::NAME)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> Unpin for ActivityFuture<A> {}

fn local_failure(activity_type: &str, error_type: &str, message: String) -> ActivityFailed {
    ActivityFailed {
        activity_type: activity_type.to_owned(),
        failure: Box::new(application_failure(error_type, &message, true, None)),
    }
}

impl<A: ActivityDefinition> ActivityFuture<A> {
    fn schedule(&mut self) -> Result<(), ActivityFailed> {
        let Some((input, options)) = self.pending.take() else {
            return Ok(());
        };
        let arguments = A::encode_input(&input)
            .map_err(|e| local_failure(A::NAME, "PayloadError", e.to_string()))?;
        let slot = new_slot();
        let mut shared = self.shared.borrow_mut();
        let seq = shared.next_activity_seq;
        shared.next_activity_seq += 1;
        shared.activities.insert(seq, Rc::clone(&slot));
        let task_queue = options
            .task_queue
            .unwrap_or_else(|| shared.info.task_queue.clone());
        shared
            .commands
            .push(workflow_command::Variant::ScheduleActivity(
                ScheduleActivity {
                    seq,
                    activity_id: seq.to_string(),
                    activity_type: A::NAME.to_owned(),
                    task_queue,
                    arguments,
                    schedule_to_close_timeout: options.schedule_to_close.map(proto_duration),
                    schedule_to_start_timeout: options.schedule_to_start.map(proto_duration),
                    start_to_close_timeout: options.start_to_close.map(proto_duration),
                    heartbeat_timeout: options.heartbeat.map(proto_duration),
                    retry_policy: options.retry.as_ref().map(|r| r.to_proto()),
                    cancellation_type: ActivityCancellationType::TryCancel as i32,
                    ..Default::default()
                },
            ));
        drop(shared);
        self.scheduled = Some((seq, slot));
        Ok(())
    }
}

impl<A: ActivityDefinition> Future for ActivityFuture<A> {
    type Output = Result<A::Output, ActivityFailed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Err(failed) = self.schedule() {
            return Poll::Ready(Err(failed));
        }
        let Some((_, slot)) = &self.scheduled else {
            return Poll::Pending;
        };
        let resolution = match poll_slot(slot, cx) {
            Poll::Ready(resolution) => resolution,
            Poll::Pending => return Poll::Pending,
        };
        self.scheduled = None;
        Poll::Ready(activity_outcome::<A>(resolution))
    }
}

fn activity_outcome<A: ActivityDefinition>(
    resolution: ActivityResolution,
) -> Result<A::Output, ActivityFailed> {
    let failed = |failure: Option<_>, fallback: &str| ActivityFailed {
        activity_type: A::NAME.to_owned(),
        failure: Box::new(
            failure.unwrap_or_else(|| application_failure("ActivityFailed", fallback, true, None)),
        ),
    };
    match resolution.status {
        Some(activity_resolution::Status::Completed(success)) => {
            decode_result(success.result.as_ref()).map_err(|e| {
                local_failure(
                    A::NAME,
                    "PayloadError",
                    format!("result of activity `{}`: {e}", A::NAME),
                )
            })
        }
        Some(activity_resolution::Status::Failed(failure)) => {
            Err(failed(failure.failure, "activity failed"))
        }
        Some(activity_resolution::Status::Cancelled(cancel)) => {
            Err(failed(cancel.failure, "activity cancelled"))
        }
        Some(activity_resolution::Status::Backoff(_)) | None => Err(failed(
            None,
            "core sent an activity resolution without an outcome",
        )),
    }
}

impl<A: ActivityDefinition> Drop for ActivityFuture<A> {
    fn drop(&mut self) {
        let Some((seq, _)) = self.scheduled.take() else {
            return;
        };
        let Ok(mut shared) = self.shared.try_borrow_mut() else {
            return;
        };
        if shared.activities.remove(&seq).is_some() && !shared.finished {
            shared
                .commands
                .push(workflow_command::Variant::RequestCancelActivity(
                    RequestCancelActivity { seq },
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        definition::Activity,
        payload::{Payload, PayloadError, encode},
    };

    struct Charge;

    impl ActivityDefinition for Charge {
        const NAME: &'static str = "charge";
        type Input = u64;
        type Output = u64;

        fn encode_input(input: &u64) -> Result<Vec<Payload>, PayloadError> {
            Ok(vec![encode(input)?])
        }

        fn decode_input(payloads: &[Payload]) -> Result<u64, PayloadError> {
            crate::payload::decode_arg(payloads, 0, "charge")
        }
    }

    fn charge(_ctx: crate::ActivityContext, cents: u64) -> Activity<'static, Charge> {
        Activity::new(async move { Ok(cents) })
    }

    fn context() -> WorkflowContext<()> {
        let info = WorkflowInfo {
            workflow_type: "Test".into(),
            workflow_id: "wf".into(),
            run_id: "run".into(),
            first_execution_run_id: "run".into(),
            namespace: "default".into(),
            task_queue: "queue".into(),
            attempt: 1,
            start_time: None,
        };
        let shared = RunShared::new(info, SystemTime::UNIX_EPOCH, 7);
        WorkflowContext::new(Rc::new(RefCell::new(shared)), Rc::new(RefCell::new(())))
    }

    fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn unset_activity_options_stay_unset_and_queue_defaults_to_the_workflows() {
        let ctx = context();
        let mut future = std::pin::pin!(
            ctx.activity(charge, 5)
                .options(ActivityOptions::start_to_close(Duration::from_secs(3)))
                .into_future()
        );
        assert!(poll_once(future.as_mut()).is_pending());
        let commands = std::mem::take(&mut ctx.shared.borrow_mut().commands);
        let [workflow_command::Variant::ScheduleActivity(schedule)] = commands.as_slice() else {
            panic!("expected one ScheduleActivity, got {commands:?}");
        };
        assert_eq!(schedule.activity_type, "charge");
        assert_eq!(schedule.activity_id, "1");
        assert_eq!(schedule.task_queue, "queue");
        assert_eq!(
            schedule.start_to_close_timeout,
            Some(proto_duration(Duration::from_secs(3)))
        );
        assert_eq!(schedule.schedule_to_close_timeout, None);
        assert_eq!(schedule.schedule_to_start_timeout, None);
        assert_eq!(schedule.heartbeat_timeout, None);
        assert_eq!(schedule.retry_policy, None);
    }

    #[test]
    fn dropping_a_pending_timer_cancels_it() {
        let ctx = context();
        {
            let mut timer = std::pin::pin!(ctx.sleep(Duration::from_secs(60)));
            assert!(poll_once(timer.as_mut()).is_pending());
        }
        let commands = std::mem::take(&mut ctx.shared.borrow_mut().commands);
        assert!(
            matches!(
                commands.as_slice(),
                [
                    workflow_command::Variant::StartTimer(StartTimer { seq: 1, .. }),
                    workflow_command::Variant::CancelTimer(CancelTimer { seq: 1 })
                ]
            ),
            "{commands:?}"
        );
    }

    #[test]
    fn fired_timer_completes_and_random_values_follow_the_seed() {
        let ctx = context();
        let mut timer = std::pin::pin!(ctx.sleep(Duration::from_millis(10)));
        assert!(poll_once(timer.as_mut()).is_pending());
        assert!(RunShared::fire_timer(&ctx.shared, 1));
        assert!(poll_once(timer.as_mut()).is_ready());
        let again = context();
        assert_eq!(ctx.random(), again.random());
        assert_eq!(ctx.uuid4().get_version_num(), 4);
    }

    #[test]
    fn only_the_first_final_command_ends_the_run() {
        let ctx = context();
        let mut shared = ctx.shared.borrow_mut();
        shared.finish(workflow_command::Variant::CancelWorkflowExecution(
            Default::default(),
        ));
        shared.finish(workflow_command::Variant::CompleteWorkflowExecution(
            Default::default(),
        ));
        assert!(shared.finished);
        assert!(
            matches!(
                shared.commands.as_slice(),
                [workflow_command::Variant::CancelWorkflowExecution(_)]
            ),
            "{:?}",
            shared.commands
        );
    }

    #[test]
    fn rng_is_deterministic_per_seed() {
        let mut a = WorkflowRng::new(42);
        let mut b = WorkflowRng::new(42);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], WorkflowRng::new(43).next_u64());
    }
}
