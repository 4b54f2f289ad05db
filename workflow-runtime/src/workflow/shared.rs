//! The state one run shares between its context handles, its futures and the activation
//! code: workflow time, randomness, the commands produced so far, and the slots through which
//! activation jobs resolve pending timers and activities.

use std::{
    cell::RefCell,
    collections::HashMap,
    rc::Rc,
    task::{Context, Poll, Waker},
    time::SystemTime,
};

use temporalio_common::protos::{
    coresdk::{
        activity_result::ActivityResolution,
        child_workflow::ChildWorkflowResult,
        workflow_activation::resolve_child_workflow_execution_start,
        workflow_commands::{
            CancelChildWorkflowExecution, CancelTimer, CancelWorkflowExecution,
            FailWorkflowExecution, RequestCancelActivity, workflow_command,
        },
    },
    temporal::api::failure::v1::Failure,
};

use crate::{
    error::{Cancelled, is_cancellation},
    workflow::info::WorkflowInfo,
};

/// A value that a future waits for and an activation job delivers.
pub(crate) struct Slot<T> {
    pub(crate) value: Option<T>,
    /// The tasks to wake on delivery: one for a value that is taken ([`poll_slot`]), any
    /// number for one that is read in place ([`peek_slot`], a child's result awaited from
    /// several tasks).
    wakers: Vec<Waker>,
}

pub(crate) type SlotRef<T> = Rc<RefCell<Slot<T>>>;

pub(crate) fn new_slot<T>() -> SlotRef<T> {
    Rc::new(RefCell::new(Slot {
        value: None,
        wakers: Vec::new(),
    }))
}

pub(crate) fn resolve_slot<T>(slot: &SlotRef<T>, value: T) {
    let wakers = {
        let mut slot = slot.borrow_mut();
        slot.value = Some(value);
        std::mem::take(&mut slot.wakers)
    };
    for waker in wakers {
        waker.wake();
    }
}

/// Takes the value once it is delivered; the one future that owns the slot waits on it.
pub(crate) fn poll_slot<T>(slot: &SlotRef<T>, cx: &Context<'_>) -> Poll<T> {
    let mut slot = slot.borrow_mut();
    match slot.value.take() {
        Some(value) => Poll::Ready(value),
        None => {
            slot.wakers.clear();
            slot.wakers.push(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Adds `waker` to `wakers` unless it would wake the same task as one already there, so a
/// task polled again and again while it waits is not listed again each time.
pub(crate) fn add_waker(wakers: &mut Vec<Waker>, waker: &Waker) {
    if !wakers.iter().any(|w| w.will_wake(waker)) {
        wakers.push(waker.clone());
    }
}

/// Like [`poll_slot`], but leaves the value in place for later polls, and wakes every task
/// that waits on it.
pub(crate) fn peek_slot<T: Clone>(slot: &SlotRef<T>, cx: &Context<'_>) -> Poll<T> {
    let mut slot = slot.borrow_mut();
    match &slot.value {
        Some(value) => Poll::Ready(value.clone()),
        None => {
            add_waker(&mut slot.wakers, cx.waker());
            Poll::Pending
        }
    }
}

/// A timer, activity or child workflow the run waits on.
pub(crate) struct Pending<T> {
    pub(crate) slot: SlotRef<T>,
    /// Whether the workflow's cancellation reaches it: false when it was started inside
    /// `non_cancellable`.
    pub(crate) cancellable: bool,
    /// Whether its cancel command went out already (explicitly, or with the workflow's
    /// cancellation), so dropping it later sends no second one.
    pub(crate) cancel_sent: bool,
}

impl<T> Pending<T> {
    pub(crate) fn new(slot: SlotRef<T>, cancellable: bool) -> Self {
        Self {
            slot,
            cancellable,
            cancel_sent: false,
        }
    }
}

/// What a timer resolves with: fired, or cancelled (with the reason).
pub(crate) type TimerOutcome = Result<(), Cancelled>;

/// A child workflow the run started: its start resolution, then its result.
pub(crate) struct PendingChild {
    pub(crate) start: SlotRef<resolve_child_workflow_execution_start::Status>,
    pub(crate) result: Pending<ChildWorkflowResult>,
}

/// Deterministic pseudo-random numbers (SplitMix64), seeded by the server through core, so a
/// replay draws the same numbers.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowRng(u64);

impl WorkflowRng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
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
    pub(crate) condition_waiters: Vec<Waker>,
    /// Async signal and update handlers that have not finished.
    pub(crate) running_handlers: usize,
    /// The reason given with the workflow's cancellation request, once one arrived.
    pub(crate) cancel_requested: Option<String>,
    /// How many `non_cancellable` scopes enclose the code being polled right now; operations
    /// started while it is above zero ignore the workflow's cancellation.
    pub(crate) shield_depth: u32,
    /// Tasks blocked in `cancelled()`.
    pub(crate) cancel_waiters: Vec<Waker>,
    next_timer_seq: u32,
    next_activity_seq: u32,
    next_child_seq: u32,
    next_external_signal_seq: u32,
    next_external_cancel_seq: u32,
    pub(crate) timers: HashMap<u32, Pending<TimerOutcome>>,
    pub(crate) activities: HashMap<u32, Pending<ActivityResolution>>,
    pub(crate) children: HashMap<u32, PendingChild>,
    /// Signals sent to other workflows (and children), resolved with a failure or none.
    pub(crate) external_signals: HashMap<u32, SlotRef<Option<Failure>>>,
    /// Cancellations requested of other workflows, resolved with a failure or none.
    pub(crate) external_cancels: HashMap<u32, SlotRef<Option<Failure>>>,
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
            cancel_requested: None,
            shield_depth: 0,
            cancel_waiters: Vec::new(),
            next_timer_seq: 1,
            next_activity_seq: 1,
            next_child_seq: 1,
            next_external_signal_seq: 1,
            next_external_cancel_seq: 1,
            timers: HashMap::new(),
            activities: HashMap::new(),
            children: HashMap::new(),
            external_signals: HashMap::new(),
            external_cancels: HashMap::new(),
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

    /// The next timer sequence number; core echoes it back in `FireTimer`.
    pub(crate) fn next_timer_seq(&mut self) -> u32 {
        let seq = self.next_timer_seq;
        self.next_timer_seq += 1;
        seq
    }

    /// The next activity sequence number; core echoes it back in `ResolveActivity`.
    pub(crate) fn next_activity_seq(&mut self) -> u32 {
        let seq = self.next_activity_seq;
        self.next_activity_seq += 1;
        seq
    }

    /// The next child workflow sequence number.
    pub(crate) fn next_child_seq(&mut self) -> u32 {
        let seq = self.next_child_seq;
        self.next_child_seq += 1;
        seq
    }

    /// The next sequence number of a signal to another workflow.
    pub(crate) fn next_external_signal_seq(&mut self) -> u32 {
        let seq = self.next_external_signal_seq;
        self.next_external_signal_seq += 1;
        seq
    }

    /// The next sequence number of a cancellation request to another workflow.
    pub(crate) fn next_external_cancel_seq(&mut self) -> u32 {
        let seq = self.next_external_cancel_seq;
        self.next_external_cancel_seq += 1;
        seq
    }

    /// The cancellation that reaches code polled right now: the workflow's, unless the code
    /// runs inside `non_cancellable`.
    pub(crate) fn cancellation_here(&self) -> Option<Cancelled> {
        match &self.cancel_requested {
            Some(reason) if self.shield_depth == 0 => Some(Cancelled::new(reason.clone())),
            _ => None,
        }
    }

    /// Forgets timer `seq` and sends its cancel command (unless the run has finished);
    /// returns its slot, for the caller to resolve as cancelled, or `None` if it already fired
    /// or was cancelled.
    pub(crate) fn cancel_timer(&mut self, seq: u32) -> Option<SlotRef<TimerOutcome>> {
        let timer = self.timers.remove(&seq)?;
        if !self.finished {
            self.commands
                .push(workflow_command::Variant::CancelTimer(CancelTimer { seq }));
        }
        Some(timer.slot)
    }

    /// Sends activity `seq`'s cancel command unless one went out already, the activity has
    /// resolved or the run has finished.
    pub(crate) fn cancel_activity(&mut self, seq: u32) {
        let finished = self.finished;
        if let Some(activity) = self.activities.get_mut(&seq)
            && !activity.cancel_sent
            && !finished
        {
            activity.cancel_sent = true;
            self.commands
                .push(workflow_command::Variant::RequestCancelActivity(
                    RequestCancelActivity { seq },
                ));
        }
    }

    /// Sends child `seq`'s cancel command unless one went out already, the child has ended or
    /// the run has finished.
    pub(crate) fn cancel_child(&mut self, seq: u32, reason: &str) {
        let finished = self.finished;
        if let Some(child) = self.children.get_mut(&seq)
            && !child.result.cancel_sent
            && !finished
        {
            child.result.cancel_sent = true;
            self.commands
                .push(workflow_command::Variant::CancelChildWorkflowExecution(
                    CancelChildWorkflowExecution {
                        child_workflow_seq: seq,
                        reason: reason.to_owned(),
                    },
                ));
        }
    }

    /// Applies the workflow's cancellation request: every cancellable timer is cancelled (its
    /// await returns [`Cancelled`]), every cancellable activity and child workflow is asked to
    /// cancel (core resolves them as its cancellation type says), and the tasks waiting in
    /// `cancelled()` or a wait condition wake up. Commands go out in sequence order, so they
    /// replay identically. A second request changes nothing.
    pub(crate) fn request_cancel(this: &RefCell<Self>, reason: String) {
        let (timers, wakers) = {
            let mut shared = this.borrow_mut();
            if shared.cancel_requested.is_some() {
                return;
            }
            shared.cancel_requested = Some(reason.clone());
            let mut timer_seqs: Vec<u32> = shared
                .timers
                .iter()
                .filter(|(_, timer)| timer.cancellable)
                .map(|(seq, _)| *seq)
                .collect();
            timer_seqs.sort_unstable();
            let timers: Vec<_> = timer_seqs
                .into_iter()
                .filter_map(|seq| shared.cancel_timer(seq))
                .collect();
            let mut activity_seqs: Vec<u32> = shared
                .activities
                .iter()
                .filter(|(_, activity)| activity.cancellable && !activity.cancel_sent)
                .map(|(seq, _)| *seq)
                .collect();
            activity_seqs.sort_unstable();
            for seq in activity_seqs {
                shared.cancel_activity(seq);
            }
            let mut child_seqs: Vec<u32> = shared
                .children
                .iter()
                .filter(|(_, child)| child.result.cancellable && !child.result.cancel_sent)
                .map(|(seq, _)| *seq)
                .collect();
            child_seqs.sort_unstable();
            for seq in child_seqs {
                shared.cancel_child(seq, &reason);
            }
            let mut wakers = std::mem::take(&mut shared.cancel_waiters);
            wakers.append(&mut shared.condition_waiters);
            (timers, wakers)
        };
        for slot in timers {
            resolve_slot(&slot, Err(Cancelled::new(reason.clone())));
        }
        for waker in wakers {
            waker.wake();
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

    /// The sequence numbers of the timers, activities and child workflows the run waits on,
    /// sorted.
    pub(crate) fn pending(&self) -> PendingSeqs {
        let sorted = |mut seqs: Vec<u32>| {
            seqs.sort_unstable();
            seqs
        };
        PendingSeqs {
            timers: sorted(self.timers.keys().copied().collect()),
            activities: sorted(self.activities.keys().copied().collect()),
            children: sorted(self.children.keys().copied().collect()),
        }
    }

    /// Delivers a fired timer; returns false for an unknown sequence number.
    pub(crate) fn fire_timer(this: &RefCell<Self>, seq: u32) -> bool {
        let timer = this.borrow_mut().timers.remove(&seq);
        match timer {
            Some(timer) => {
                resolve_slot(&timer.slot, Ok(()));
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
        let activity = this.borrow_mut().activities.remove(&seq);
        match activity {
            Some(activity) => {
                resolve_slot(&activity.slot, resolution);
                true
            }
            None => false,
        }
    }

    /// Delivers a child workflow's start resolution; returns false for an unknown sequence
    /// number. A child that did not start also resolves its result, so an await on the result
    /// ends.
    pub(crate) fn resolve_child_start(
        this: &RefCell<Self>,
        seq: u32,
        status: resolve_child_workflow_execution_start::Status,
    ) -> bool {
        let slot = this
            .borrow()
            .children
            .get(&seq)
            .map(|child| Rc::clone(&child.start));
        match slot {
            Some(slot) => {
                resolve_slot(&slot, status);
                true
            }
            None => false,
        }
    }

    /// Delivers a child workflow's result; returns false for an unknown sequence number.
    pub(crate) fn resolve_child(
        this: &RefCell<Self>,
        seq: u32,
        result: ChildWorkflowResult,
    ) -> bool {
        let child = this.borrow_mut().children.remove(&seq);
        match child {
            Some(child) => {
                resolve_slot(&child.result.slot, result);
                true
            }
            None => false,
        }
    }

    /// Delivers the outcome of a signal to, or a cancellation request of, another workflow.
    pub(crate) fn resolve_external(
        this: &RefCell<Self>,
        kind: ExternalKind,
        seq: u32,
        failure: Option<Failure>,
    ) -> bool {
        let slot = {
            let mut shared = this.borrow_mut();
            match kind {
                ExternalKind::Signal => shared.external_signals.remove(&seq),
                ExternalKind::Cancel => shared.external_cancels.remove(&seq),
            }
        };
        match slot {
            Some(slot) => {
                resolve_slot(&slot, failure);
                true
            }
            None => false,
        }
    }
}

/// Which kind of request to another workflow a resolution answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExternalKind {
    Signal,
    Cancel,
}

/// The operations a run waits on, by kind, each sorted by sequence number.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PendingSeqs {
    pub(crate) timers: Vec<u32>,
    pub(crate) activities: Vec<u32>,
    pub(crate) children: Vec<u32>,
}

/// The final command of a run whose code returned an error: *cancelled* when the workflow's
/// cancellation was requested and the error reports a cancellation, *failed* otherwise.
pub(crate) fn error_command(shared: &RunShared, failure: Failure) -> workflow_command::Variant {
    if shared.cancel_requested.is_some() && is_cancellation(&failure) {
        workflow_command::Variant::CancelWorkflowExecution(CancelWorkflowExecution::default())
    } else {
        fail_command(failure)
    }
}

/// The final command of a run that fails with `failure`.
pub(crate) fn fail_command(failure: Failure) -> workflow_command::Variant {
    workflow_command::Variant::FailWorkflowExecution(FailWorkflowExecution {
        failure: Some(failure),
    })
}
