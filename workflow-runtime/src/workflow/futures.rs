//! The futures workflow code awaits: durable timers and activity calls. Each schedules its
//! command on first poll, resolves from an activation job, and cancels itself when dropped
//! early.

use futures::future::FusedFuture;
use std::{
    cell::RefCell,
    fmt,
    future::{Future, IntoFuture},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
    time::Duration,
};

use temporalio_common::protos::coresdk::{
    activity_result::{ActivityResolution, activity_resolution},
    workflow_commands::{StartTimer, workflow_command},
};

use crate::{
    activity::definition::ActivityDefinition,
    convert::proto_duration,
    error::{
        ActivityFailed, Cancelled, Retry, application_failure, cancelled_failure, failure_type,
        received,
    },
    options::ActivityOptions,
    payload::decode_result,
    workflow::{
        operations::{self as op, ActivityResolved, Seq, TimerOutcome},
        shared::{RunShared, SlotRef, new_slot, poll_slot, resolve_slot},
    },
};

/// A durable timer started by [`WorkflowContext::sleep`](crate::WorkflowContext::sleep).
///
/// It resolves with `Ok(())` when it fires, or with [`Cancelled`] when the workflow's
/// cancellation is requested (outside
/// [`non_cancellable`](crate::WorkflowContext::non_cancellable)) or [`cancel`](Self::cancel) is
/// called. Dropping it before it fires cancels it.
#[must_use = "a timer does nothing unless awaited"]
pub struct Timer {
    shared: Rc<RefCell<RunShared>>,
    duration: Duration,
    state: TimerState,
}

enum TimerState {
    NotStarted,
    Started {
        seq: Seq<op::Timer>,
        slot: SlotRef<TimerOutcome>,
    },
    Done,
    CancelledBeforeStart,
}

impl Timer {
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, duration: Duration) -> Self {
        Self {
            shared,
            duration,
            state: TimerState::NotStarted,
        }
    }

    /// Cancels the timer: its await returns [`Cancelled`] at once. A timer that already
    /// fired stays fired; one not yet awaited never starts.
    pub fn cancel(&mut self) {
        match &self.state {
            TimerState::NotStarted => self.state = TimerState::CancelledBeforeStart,
            TimerState::Started { seq, .. } => {
                let cancelled = self
                    .shared
                    .borrow_mut()
                    .cancel(*seq, "the timer was cancelled");
                if let Some(slot) = cancelled {
                    resolve_slot(&slot, Err(Cancelled::new("the timer was cancelled")));
                }
            }
            TimerState::Done | TimerState::CancelledBeforeStart => {}
        }
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

impl Future for Timer {
    type Output = Result<(), Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &self.state {
            TimerState::NotStarted => {
                let mut shared = self.shared.borrow_mut();
                if let Some(cancelled) = shared.cancellation_here() {
                    drop(shared);
                    self.state = TimerState::Done;
                    return Poll::Ready(Err(cancelled));
                }
                if self.duration.is_zero() {
                    drop(shared);
                    self.state = TimerState::Done;
                    return Poll::Ready(Ok(()));
                }
                let slot = new_slot();
                let duration = self.duration;
                let seq = shared.schedule(Rc::clone(&slot), |seq, _| {
                    workflow_command::Variant::StartTimer(StartTimer {
                        seq: seq.get(),
                        start_to_fire_timeout: Some(proto_duration(duration)),
                    })
                });
                drop(shared);
                self.state = TimerState::Started { seq, slot };
                self.poll(cx)
            }
            TimerState::Started { slot, .. } => {
                let outcome = poll_slot(slot, cx);
                if outcome.is_ready() {
                    self.state = TimerState::Done;
                }
                outcome
            }
            TimerState::CancelledBeforeStart => {
                self.state = TimerState::Done;
                Poll::Ready(Err(Cancelled::new("the timer was cancelled")))
            }
            TimerState::Done => Poll::Pending,
        }
    }
}

/// Finished once it returned its outcome; polled again, it stays pending.
impl FusedFuture for Timer {
    fn is_terminated(&self) -> bool {
        matches!(self.state, TimerState::Done)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let TimerState::Started { seq, .. } = self.state else {
            return;
        };
        if let Ok(mut shared) = self.shared.try_borrow_mut() {
            shared.cancel(seq, "the timer was dropped");
        }
    }
}

/// An activity call that has no timeout yet, returned by
/// [`WorkflowContext::activity`](crate::WorkflowContext::activity).
///
/// It cannot be awaited: Temporal refuses an activity without a start-to-close or
/// schedule-to-close timeout, so the timeout is part of the type. [`options`](Self::options)
/// with an [`ActivityOptions`], which always carries one, gives the awaitable
/// [`ActivityCall`].
#[must_use = "set a timeout with `.options(ActivityOptions::start_to_close(..))`, then await the call"]
pub struct ActivityWithoutTimeout<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    activity_type: Rc<str>,
    input: A::Input,
}

impl<A: ActivityDefinition> fmt::Debug for ActivityWithoutTimeout<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityWithoutTimeout")
            .field("activity_type", &self.activity_type)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> ActivityWithoutTimeout<A> {
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, input: A::Input) -> Self {
        Self::named(shared, Rc::from(A::NAME), input)
    }

    /// A call of the activity type `activity_type`, whatever `A::NAME` says (calls by name).
    pub(crate) fn named(
        shared: Rc<RefCell<RunShared>>,
        activity_type: Rc<str>,
        input: A::Input,
    ) -> Self {
        Self {
            shared,
            activity_type,
            input,
        }
    }

    /// Sets the timeouts, task queue and retry policy; the call can then be awaited.
    pub fn options(self, options: ActivityOptions) -> ActivityCall<A> {
        ActivityCall {
            shared: self.shared,
            activity_type: self.activity_type,
            input: self.input,
            options,
        }
    }
}

/// An activity call with its options; `.await` schedules it.
#[must_use = "an activity call does nothing unless awaited"]
pub struct ActivityCall<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    activity_type: Rc<str>,
    input: A::Input,
    options: ActivityOptions,
}

impl<A: ActivityDefinition> fmt::Debug for ActivityCall<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityCall")
            .field("activity_type", &self.activity_type)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> ActivityCall<A> {
    /// Replaces the options set so far.
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
            activity_type: self.activity_type,
            pending: Some((self.input, self.options)),
            scheduled: None,
            cancelled_before_start: false,
        }
    }
}

/// A scheduled activity; resolves when core reports its outcome. [`cancel`](Self::cancel)
/// requests its cancellation and the await then returns as the activity's
/// [`ActivityCancellation`](crate::ActivityCancellation) says; dropping it before it resolves
/// requests cancellation too.
#[must_use = "an activity does nothing unless awaited"]
pub struct ActivityFuture<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    activity_type: Rc<str>,
    pending: Option<(A::Input, ActivityOptions)>,
    scheduled: Option<(Seq<op::Activity>, SlotRef<ActivityResolved>)>,
    cancelled_before_start: bool,
}

impl<A: ActivityDefinition> fmt::Debug for ActivityFuture<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityFuture")
            .field("activity_type", &self.activity_type)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> Unpin for ActivityFuture<A> {}

/// A failure the workflow's side produced (an argument or result that did not convert).
pub(crate) fn local_failure(
    activity_type: &str,
    error_type: &str,
    message: String,
) -> ActivityFailed {
    ActivityFailed {
        activity_type: activity_type.to_owned(),
        failure: Box::new(application_failure(
            error_type,
            &message,
            Retry::NonRetryable,
            None,
        ))
        .into(),
    }
}

/// The failure of an activity the workflow's side cancelled, with `message`.
pub(crate) fn cancelled_here(activity_type: &str, message: String) -> ActivityFailed {
    ActivityFailed {
        activity_type: activity_type.to_owned(),
        failure: Box::new(cancelled_failure(message)).into(),
    }
}

/// The failure of an activity cancelled before it was scheduled.
pub(crate) fn cancelled_locally(activity_type: &str, cancelled: &Cancelled) -> ActivityFailed {
    cancelled_here(
        activity_type,
        format!("activity `{activity_type}` was not scheduled: {cancelled}"),
    )
}

impl<A: ActivityDefinition> ActivityFuture<A> {
    /// Requests the activity's cancellation. Its await then returns an [`ActivityFailed`]
    /// whose [`is_cancelled`](ActivityFailed::is_cancelled) holds: at once for
    /// [`TryCancel`](crate::ActivityCancellation::TryCancel) and
    /// [`Abandon`](crate::ActivityCancellation::Abandon), after the activity stops for
    /// [`WaitCancellationCompleted`](crate::ActivityCancellation::WaitCancellationCompleted)
    /// (or with its result, if it completes first). An activity not yet awaited is never
    /// scheduled.
    pub fn cancel(&mut self) {
        match &self.scheduled {
            Some((seq, _)) => {
                self.shared
                    .borrow_mut()
                    .cancel(*seq, "the activity was cancelled");
            }
            None => {
                if self.pending.is_some() {
                    self.cancelled_before_start = true;
                }
            }
        }
    }

    fn schedule(&mut self) -> Result<(), ActivityFailed> {
        let Some((input, options)) = self.pending.take() else {
            return Ok(());
        };
        if self.cancelled_before_start {
            return Err(cancelled_locally(
                &self.activity_type,
                &Cancelled::new("the activity was cancelled"),
            ));
        }
        if let Some(cancelled) = self.shared.borrow().cancellation_here() {
            return Err(cancelled_locally(&self.activity_type, &cancelled));
        }
        let arguments = A::encode_input(&input).map_err(|e| {
            local_failure(
                &self.activity_type,
                failure_type::PAYLOAD_ERROR,
                e.message().to_owned(),
            )
        })?;
        let slot = new_slot();
        let slots = op::ActivitySlots {
            resolved: Rc::clone(&slot),
            local: false,
        };
        let activity_type = &self.activity_type;
        let seq = self.shared.borrow_mut().schedule(slots, |seq, info| {
            workflow_command::Variant::ScheduleActivity(options.schedule_command(
                seq.get(),
                activity_type,
                arguments,
                &info.task_queue,
            ))
        });
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
        let resolved = match poll_slot(slot, cx) {
            Poll::Ready(resolved) => resolved,
            Poll::Pending => return Poll::Pending,
        };
        self.scheduled = None;
        Poll::Ready(activity_outcome::<A>(
            &self.activity_type,
            resolved.resolution,
        ))
    }
}

/// Finished once it returned its outcome (or failed before it was scheduled).
impl<A: ActivityDefinition> FusedFuture for ActivityFuture<A> {
    fn is_terminated(&self) -> bool {
        self.pending.is_none() && self.scheduled.is_none()
    }
}

/// What an activity's await returns for core's resolution.
pub(crate) fn activity_outcome<A: ActivityDefinition>(
    activity_type: &str,
    resolution: ActivityResolution,
) -> Result<A::Output, ActivityFailed> {
    let failed = |failure: Option<_>, fallback: &str| ActivityFailed {
        activity_type: activity_type.to_owned(),
        failure: received(failure.unwrap_or_else(|| {
            application_failure(
                failure_type::ACTIVITY_FAILED,
                fallback,
                Retry::NonRetryable,
                None,
            )
        })),
    };
    match resolution.status {
        Some(activity_resolution::Status::Completed(success)) => {
            decode_result(success.result.as_ref()).map_err(|e| {
                local_failure(
                    activity_type,
                    failure_type::PAYLOAD_ERROR,
                    format!("result of activity `{activity_type}`: {}", e.message()),
                )
            })
        }
        Some(activity_resolution::Status::Failed(failure)) => {
            Err(failed(failure.failure, "activity failed"))
        }
        Some(activity_resolution::Status::Cancelled(cancel)) => {
            Err(failed(cancel.failure, "activity cancelled"))
        }
        // A remote activity never backs off in the workflow; a local one's future handles it.
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
        shared.cancel(seq, "the activity's future was dropped");
        shared.forget(seq);
    }
}

#[cfg(test)]
mod tests {
    use std::{task::Waker, time::SystemTime};

    use temporalio_common::protos::coresdk::workflow_commands::CancelTimer;

    use super::*;
    use crate::{
        activity::definition::Activity,
        payload::{Payload, PayloadError, encode},
        workflow::{context::WorkflowContext, info::WorkflowInfo, shared::WorkflowRng},
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
            crate::payload::arguments::decode_arg(payloads, 0, "charge")
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
            continued_from_run_id: None,
            parent: None,
            namespace: "default".into(),
            task_queue: "queue".into(),
            attempt: 1,
            start_time: None,
            history_length: 0,
            history_size_bytes: 0,
            continue_as_new_suggested: false,
            search_attributes: Default::default(),
            memo: Default::default(),
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
        let commands = std::mem::take(&mut ctx.shared().borrow_mut().commands);
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
        let commands = std::mem::take(&mut ctx.shared().borrow_mut().commands);
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
        assert!(RunShared::resolve::<op::Timer>(
            ctx.shared(),
            Seq::from_core(1),
            Ok(())
        ));
        assert!(poll_once(timer.as_mut()).is_ready());
        let again = context();
        assert_eq!(ctx.random(), again.random());
        assert_eq!(ctx.uuid4().get_version_num(), 4);
    }

    #[test]
    fn only_the_first_final_command_ends_the_run() {
        let ctx = context();
        let mut shared = ctx.shared().borrow_mut();
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
