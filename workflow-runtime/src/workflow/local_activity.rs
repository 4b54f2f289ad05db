//! Local activities: run by the worker that runs the workflow, without a round trip to the
//! server per attempt, their outcome recorded as a marker. Core runs the attempts and their
//! short retries within the workflow task (heartbeating the task while they run); a retry
//! whose backoff passes the local retry threshold comes back to the workflow, which waits it
//! out with a durable timer and schedules the next attempt itself.

use futures::future::FusedFuture;
use std::{
    cell::RefCell,
    fmt,
    future::{Future, IntoFuture},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use temporalio_common::protos::coresdk::{
    activity_result::{ActivityResolution, DoBackoff, activity_resolution},
    workflow_commands::workflow_command,
};

use crate::{
    activity::definition::ActivityDefinition,
    convert::duration,
    error::{ActivityFailed, Cancelled, failure_type},
    options::LocalActivityOptions,
    payload::Payload,
    workflow::{
        futures::{Timer, activity_outcome, cancelled_here, cancelled_locally, local_failure},
        operations::{self as op, ActivityResolved, ActivitySlots, Seq},
        shared::{RunShared, SlotRef, new_slot, poll_slot},
    },
};

/// A local activity call that has no timeout yet, returned by
/// [`WorkflowContext::local_activity`](crate::WorkflowContext::local_activity).
///
/// As with [`ActivityWithoutTimeout`](crate::ActivityWithoutTimeout), it cannot be awaited:
/// [`options`](Self::options) with a [`LocalActivityOptions`], which always carries a
/// timeout, gives the awaitable [`LocalActivityCall`].
#[must_use = "set a timeout with `.options(LocalActivityOptions::start_to_close(..))`, then await the call"]
pub struct LocalActivityWithoutTimeout<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    input: A::Input,
}

impl<A: ActivityDefinition> fmt::Debug for LocalActivityWithoutTimeout<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalActivityWithoutTimeout")
            .field("activity_type", &A::NAME)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> LocalActivityWithoutTimeout<A> {
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, input: A::Input) -> Self {
        Self { shared, input }
    }

    /// Sets the timeouts and retry policy; the call can then be awaited.
    pub fn options(self, options: LocalActivityOptions) -> LocalActivityCall<A> {
        LocalActivityCall {
            shared: self.shared,
            input: self.input,
            options,
        }
    }
}

/// A local activity call with its options; `.await` schedules it.
#[must_use = "a local activity call does nothing unless awaited"]
pub struct LocalActivityCall<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    input: A::Input,
    options: LocalActivityOptions,
}

impl<A: ActivityDefinition> fmt::Debug for LocalActivityCall<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalActivityCall")
            .field("activity_type", &A::NAME)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> LocalActivityCall<A> {
    /// Replaces the options set so far.
    pub fn options(mut self, options: LocalActivityOptions) -> Self {
        self.options = options;
        self
    }
}

impl<A: ActivityDefinition> IntoFuture for LocalActivityCall<A> {
    type Output = Result<A::Output, ActivityFailed>;
    type IntoFuture = LocalActivityFuture<A>;

    fn into_future(self) -> LocalActivityFuture<A> {
        LocalActivityFuture {
            shared: self.shared,
            options: self.options,
            state: State::NotScheduled(self.input),
            cancelled_before_start: false,
        }
    }
}

/// A scheduled local activity; resolves when core reports its outcome, after any backoff
/// timers its retries needed. [`cancel`](Self::cancel) requests its cancellation (or cancels
/// the backoff timer it waits on), and the await then returns as its
/// [`ActivityCancellation`](crate::ActivityCancellation) says; dropping it before it resolves
/// requests cancellation too.
#[must_use = "a local activity does nothing unless awaited"]
pub struct LocalActivityFuture<A: ActivityDefinition> {
    shared: Rc<RefCell<RunShared>>,
    options: LocalActivityOptions,
    state: State<A>,
    cancelled_before_start: bool,
}

enum State<A: ActivityDefinition> {
    /// Not polled yet: the input is encoded and the first attempt scheduled on first poll.
    NotScheduled(A::Input),
    /// An attempt (with core's own retries) is scheduled under `seq`.
    Scheduled {
        seq: Seq<op::Activity>,
        resolved: SlotRef<ActivityResolved>,
        arguments: Vec<Payload>,
    },
    /// Core asked for a backoff longer than the local retry threshold: a durable timer runs,
    /// after which the next attempt is scheduled under `retry_as`.
    BackingOff {
        timer: Timer,
        retry_as: Seq<op::Activity>,
        backoff: DoBackoff,
        arguments: Vec<Payload>,
    },
    Done,
}

impl<A: ActivityDefinition> fmt::Debug for LocalActivityFuture<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalActivityFuture")
            .field("activity_type", &A::NAME)
            .finish_non_exhaustive()
    }
}

impl<A: ActivityDefinition> Unpin for LocalActivityFuture<A> {}

impl<A: ActivityDefinition> LocalActivityFuture<A> {
    /// Requests the local activity's cancellation. Its await then returns an
    /// [`ActivityFailed`] whose [`is_cancelled`](ActivityFailed::is_cancelled) holds, as its
    /// [`ActivityCancellation`](crate::ActivityCancellation) says; during a backoff timer, at
    /// once. A local activity not yet awaited is never scheduled.
    pub fn cancel(&mut self) {
        match &mut self.state {
            State::NotScheduled(_) => self.cancelled_before_start = true,
            State::Scheduled { seq, .. } => {
                self.shared
                    .borrow_mut()
                    .cancel(*seq, "the local activity was cancelled");
            }
            State::BackingOff { timer, .. } => timer.cancel(),
            State::Done => {}
        }
    }

    /// Schedules attempt `retry` (the first when `None`) under `seq`, or under a new number.
    fn schedule(
        &mut self,
        seq: Option<Seq<op::Activity>>,
        arguments: Vec<Payload>,
        retry: Option<&DoBackoff>,
    ) {
        let resolved = new_slot();
        let slots = ActivitySlots {
            resolved: Rc::clone(&resolved),
            local: true,
        };
        let options = &self.options;
        let retry = retry.map(|backoff| {
            (
                backoff.attempt,
                backoff.original_schedule_time.unwrap_or_default(),
            )
        });
        let command = |seq: Seq<op::Activity>, _: &_| {
            workflow_command::Variant::ScheduleLocalActivity(options.schedule_command(
                seq.get(),
                A::NAME,
                arguments.clone(),
                retry,
            ))
        };
        let mut shared = self.shared.borrow_mut();
        let seq = match seq {
            Some(seq) => {
                shared.schedule_reserved(seq, slots, None, command);
                seq
            }
            None => shared.schedule(slots, command),
        };
        drop(shared);
        self.state = State::Scheduled {
            seq,
            resolved,
            arguments,
        };
    }

    fn start(&mut self, input: A::Input) -> Result<(), ActivityFailed> {
        if self.cancelled_before_start {
            return Err(cancelled_locally(
                A::NAME,
                &Cancelled::new("the local activity was cancelled"),
            ));
        }
        if let Some(cancelled) = self.shared.borrow().cancellation_here() {
            return Err(cancelled_locally(A::NAME, &cancelled));
        }
        let arguments = A::encode_input(&input).map_err(|e| {
            local_failure(A::NAME, failure_type::PAYLOAD_ERROR, e.message().to_owned())
        })?;
        self.schedule(None, arguments, None);
        Ok(())
    }
}

impl<A: ActivityDefinition> Future for LocalActivityFuture<A> {
    type Output = Result<A::Output, ActivityFailed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::NotScheduled(input) => {
                    if let Err(failed) = self.start(input) {
                        return Poll::Ready(Err(failed));
                    }
                }
                State::Scheduled {
                    seq,
                    resolved,
                    arguments,
                } => {
                    let ActivityResolved {
                        resolution,
                        retry_as,
                    } = match poll_slot(&resolved, cx) {
                        Poll::Ready(resolved) => resolved,
                        Poll::Pending => {
                            self.state = State::Scheduled {
                                seq,
                                resolved,
                                arguments,
                            };
                            return Poll::Pending;
                        }
                    };
                    match (resolution.status, retry_as) {
                        (Some(activity_resolution::Status::Backoff(backoff)), Some(retry_as)) => {
                            let wait =
                                duration(backoff.backoff_duration.as_ref()).unwrap_or_default();
                            self.state = State::BackingOff {
                                timer: Timer::new(Rc::clone(&self.shared), wait),
                                retry_as,
                                backoff,
                                arguments,
                            };
                        }
                        (status, _) => {
                            let resolution = ActivityResolution { status };
                            return Poll::Ready(activity_outcome::<A>(A::NAME, resolution));
                        }
                    }
                }
                State::BackingOff {
                    mut timer,
                    retry_as,
                    backoff,
                    arguments,
                } => match Pin::new(&mut timer).poll(cx) {
                    Poll::Pending => {
                        self.state = State::BackingOff {
                            timer,
                            retry_as,
                            backoff,
                            arguments,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(())) => {
                        self.schedule(Some(retry_as), arguments, Some(&backoff));
                    }
                    Poll::Ready(Err(cancelled)) => {
                        return Poll::Ready(Err(cancelled_here(
                            A::NAME,
                            format!(
                                "local activity `{}` was cancelled while it waited to retry \
                                 (attempt {}): {cancelled}",
                                A::NAME,
                                backoff.attempt
                            ),
                        )));
                    }
                },
                State::Done => return Poll::Pending,
            }
        }
    }
}

/// Finished once it returned its outcome (or failed before it was scheduled).
impl<A: ActivityDefinition> FusedFuture for LocalActivityFuture<A> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, State::Done)
    }
}

impl<A: ActivityDefinition> Drop for LocalActivityFuture<A> {
    fn drop(&mut self) {
        // A backoff timer cancels itself when dropped.
        let State::Scheduled { seq, .. } = self.state else {
            return;
        };
        let Ok(mut shared) = self.shared.try_borrow_mut() else {
            return;
        };
        shared.cancel(seq, "the local activity's future was dropped");
        shared.forget(seq);
    }
}
