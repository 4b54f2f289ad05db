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
        workflow_commands::{FailWorkflowExecution, workflow_command},
    },
    temporal::api::failure::v1::Failure,
};

use crate::workflow::info::WorkflowInfo;

/// A value that a future waits for and an activation job delivers.
pub(crate) struct Slot<T> {
    pub(crate) value: Option<T>,
    waker: Option<Waker>,
}

pub(crate) type SlotRef<T> = Rc<RefCell<Slot<T>>>;

pub(crate) fn new_slot<T>() -> SlotRef<T> {
    Rc::new(RefCell::new(Slot {
        value: None,
        waker: None,
    }))
}

pub(crate) fn resolve_slot<T>(slot: &SlotRef<T>, value: T) {
    let waker = {
        let mut slot = slot.borrow_mut();
        slot.value = Some(value);
        slot.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

pub(crate) fn poll_slot<T>(slot: &SlotRef<T>, cx: &Context<'_>) -> Poll<T> {
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
    next_timer_seq: u32,
    next_activity_seq: u32,
    pub(crate) timers: HashMap<u32, SlotRef<()>>,
    pub(crate) activities: HashMap<u32, SlotRef<ActivityResolution>>,
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

/// The final command of a run that fails with `failure`.
pub(crate) fn fail_command(failure: Failure) -> workflow_command::Variant {
    workflow_command::Variant::FailWorkflowExecution(FailWorkflowExecution {
        failure: Some(failure),
    })
}
