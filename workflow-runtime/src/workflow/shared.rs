//! The state one run shares between its context handles, its futures and the activation
//! code: workflow time, randomness, the commands produced so far, and the operations
//! (`workflow/operations.rs`) through which activation jobs resolve pending timers,
//! activities and children. The futures and the activation code change it through a few named
//! operations: `schedule`, `cancel`, `forget` and `resolve` an operation, `finish` the run,
//! `request_cancel` it.

use std::{
    cell::RefCell,
    rc::Rc,
    task::{Context, Poll, Waker},
    time::SystemTime,
};

use temporalio_common::protos::{
    coresdk::{
        activity_result::{ActivityResolution, activity_resolution},
        workflow_activation::resolve_child_workflow_execution_start,
        workflow_commands::{
            CancelWorkflowExecution, FailWorkflowExecution, ModifyWorkflowProperties,
            UpsertWorkflowSearchAttributes, workflow_command,
        },
    },
    temporal::api::{failure::v1::Failure, sdk::v1::UserMetadata},
};

use crate::{
    attributes::{Memo, SearchAttributes},
    error::{Cancelled, is_cancellation},
    interceptor::{
        Headers, Interceptors, RunOutcome, RunView, WorkflowInbound, WorkflowOutbound,
        WorkflowOutboundKind,
    },
    metrics::{MetricMeter, Replaying},
    workflow::{
        cancellation::{ScopeNode, ScopeRef},
        info::WorkflowInfo,
        operations::{
            Activity, ActivityResolved, Child, ExternalCancel, ExternalSignal, OperationKind,
            Operations, Seq, Timer,
        },
        patches::Patches,
    },
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

/// A random `f64` in `[0, 1)` from 64 random bits: 53 of them fill an f64 mantissa exactly.
pub(crate) fn unit_f64(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// A version-4 UUID from two random draws, in the order drawn.
pub(crate) fn uuid4_from(first: u64, second: u64) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&first.to_le_bytes());
    bytes[8..].copy_from_slice(&second.to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Per-run state shared by the context handles, the futures and the activation code.
pub(crate) struct RunShared {
    pub(crate) info: WorkflowInfo,
    pub(crate) now: SystemTime,
    pub(crate) replaying: bool,
    pub(crate) rng: WorkflowRng,
    pub(crate) commands: Vec<workflow_command::Variant>,
    /// The UI's summary and details of some of `commands`, by index.
    pub(crate) command_metadata: Vec<(usize, UserMetadata)>,
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
    /// The cancellation scope of the code being polled right now; operations record it when
    /// they start.
    scope: ScopeRef,
    /// The run's root scope, which the workflow's cancellation cancels.
    root_scope: ScopeRef,
    /// Tasks blocked in `cancelled()`.
    pub(crate) cancel_waiters: Vec<Waker>,
    /// The timers, activities, children and requests to other workflows the run waits on.
    operations: RunOperations,
    /// The patches the history holds and the branches the code took.
    patches: Patches,
    /// The run's metric meter, and the replay flag its instruments read (set with
    /// `replaying`).
    pub(crate) metrics: Option<(MetricMeter, Replaying)>,
    /// The headers the run was started with.
    pub(crate) start_headers: Headers,
    /// The worker's interceptors, told of the run's inbound and outbound calls.
    pub(crate) interceptors: Interceptors,
}

impl RunShared {
    pub(crate) fn new(info: WorkflowInfo, now: SystemTime, seed: u64) -> Self {
        let root_scope = ScopeNode::root();
        Self {
            info,
            now,
            replaying: false,
            rng: WorkflowRng::new(seed),
            commands: Vec::new(),
            command_metadata: Vec::new(),
            finished: false,
            state_version: 0,
            checked_version: 0,
            condition_waiters: Vec::new(),
            running_handlers: 0,
            cancel_requested: None,
            scope: Rc::clone(&root_scope),
            root_scope,
            cancel_waiters: Vec::new(),
            operations: RunOperations::default(),
            patches: Patches::default(),
            metrics: None,
            start_headers: Headers::new(),
            interceptors: Interceptors::default(),
        }
    }

    /// What interceptors see of the run.
    fn view(&self) -> RunView<'_> {
        RunView {
            info: &self.info,
            replaying: self.replaying,
            time: self.now,
            start_headers: &self.start_headers,
        }
    }

    /// Tells the interceptors that the run received `event`.
    pub(crate) fn intercept_inbound(&self, event: &WorkflowInbound<'_>) {
        if self.interceptors.is_empty() {
            return;
        }
        let view = self.view();
        for interceptor in self.interceptors.iter() {
            interceptor.workflow_inbound(&view, event);
        }
    }

    /// Lets the interceptors set the headers of an outbound command before it is sent.
    fn intercept_outbound(&self, command: &mut workflow_command::Variant) {
        use workflow_command::Variant;
        if self.interceptors.is_empty() {
            return;
        }
        let (kind, headers) = match command {
            Variant::ScheduleActivity(schedule) => (
                WorkflowOutboundKind::Activity {
                    activity_type: &schedule.activity_type,
                    activity_id: &schedule.activity_id,
                },
                &mut schedule.headers,
            ),
            Variant::ScheduleLocalActivity(schedule) => (
                WorkflowOutboundKind::LocalActivity {
                    activity_type: &schedule.activity_type,
                    activity_id: &schedule.activity_id,
                },
                &mut schedule.headers,
            ),
            Variant::StartChildWorkflowExecution(start) => (
                WorkflowOutboundKind::ChildWorkflow {
                    workflow_type: &start.workflow_type,
                    workflow_id: &start.workflow_id,
                },
                &mut start.headers,
            ),
            Variant::SignalExternalWorkflowExecution(signal) => {
                use temporalio_common::protos::coresdk::workflow_commands::signal_external_workflow_execution::Target;
                let (workflow_id, to_child) = match &signal.target {
                    Some(Target::WorkflowExecution(execution)) => {
                        (execution.workflow_id.as_str(), false)
                    }
                    Some(Target::ChildWorkflowId(id)) => (id.as_str(), true),
                    None => ("", false),
                };
                (
                    WorkflowOutboundKind::SignalWorkflow {
                        signal: &signal.signal_name,
                        workflow_id,
                        to_child,
                    },
                    &mut signal.headers,
                )
            }
            Variant::ContinueAsNewWorkflowExecution(next) => (
                WorkflowOutboundKind::ContinueAsNew {
                    workflow_type: &next.workflow_type,
                },
                &mut next.headers,
            ),
            _ => return,
        };
        let mut call = WorkflowOutbound::new(kind, Headers::from_fields(std::mem::take(headers)));
        let view = self.view();
        for interceptor in self.interceptors.iter() {
            interceptor.workflow_outbound(&view, &mut call);
        }
        *headers = call.into_headers().into_fields();
    }

    /// Sets whether the current activation replays history, for the run's code and for its
    /// metrics, which record nothing while it does.
    pub(crate) fn set_replaying(&mut self, replaying: bool) {
        self.replaying = replaying;
        if let Some((_, flag)) = &self.metrics {
            flag.store(replaying, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Core found patch `id`'s marker in the history (`NotifyHasPatch`).
    pub(crate) fn patch_in_history(&mut self, id: String) {
        self.patches.notify(id);
    }

    /// Whether the code takes patch `id`'s new branch; records the marker the first time it
    /// does (see `patches.rs` for the rule).
    pub(crate) fn patch(&mut self, id: &str, deprecated: bool) -> bool {
        let (new_branch, marker) = self.patches.ask(id, deprecated, self.replaying);
        if let Some(marker) = marker
            && !self.finished
        {
            self.commands.push(marker);
        }
        new_branch
    }

    /// Upserts search attributes: the command, and the run's info as the next task will see it.
    pub(crate) fn upsert_search_attributes(&mut self, upsert: &SearchAttributes) {
        if self.finished {
            return;
        }
        self.info.search_attributes.merge(upsert);
        self.commands
            .push(workflow_command::Variant::UpsertWorkflowSearchAttributes(
                UpsertWorkflowSearchAttributes {
                    search_attributes: Some(upsert.to_proto()),
                },
            ));
    }

    /// Upserts memo entries: the command, and the run's info as the next task will see it.
    pub(crate) fn upsert_memo(&mut self, upsert: &Memo) {
        if self.finished {
            return;
        }
        self.info.memo.merge(upsert);
        self.commands
            .push(workflow_command::Variant::ModifyWorkflowProperties(
                ModifyWorkflowProperties {
                    upserted_memo: Some(upsert.to_proto()),
                },
            ));
    }

    /// Records the run's final command (complete, fail, cancel) unless one was recorded
    /// already: whichever of `run`, a failing signal handler or a cancellation comes first
    /// ends the run.
    pub(crate) fn finish(&mut self, mut command: workflow_command::Variant) {
        use workflow_command::Variant;
        if self.finished {
            return;
        }
        self.finished = true;
        if !self.interceptors.is_empty() {
            self.intercept_outbound(&mut command);
            let outcome = match &command {
                Variant::FailWorkflowExecution(fail) => RunOutcome::Failed {
                    message: fail.failure.as_ref().map_or("", |f| f.message.as_str()),
                },
                Variant::CancelWorkflowExecution(_) => RunOutcome::Cancelled,
                Variant::ContinueAsNewWorkflowExecution(_) => RunOutcome::ContinuedAsNew,
                _ => RunOutcome::Completed,
            };
            self.intercept_inbound(&WorkflowInbound::Finished(outcome));
        }
        self.commands.push(command);
    }

    /// Sends the command that starts an operation, built by `command` from its sequence
    /// number and the run's info, and keeps the slots its future waits on until core resolves
    /// it. The workflow's cancellation reaches it unless it starts inside `non_cancellable`.
    pub(crate) fn schedule<K: InRun>(
        &mut self,
        slots: K::Slots,
        command: impl FnOnce(Seq<K>, &WorkflowInfo) -> workflow_command::Variant,
    ) -> Seq<K> {
        self.schedule_described(slots, None, command)
    }

    /// [`schedule`](Self::schedule), with the summary and details the UI shows for the
    /// command.
    pub(crate) fn schedule_described<K: InRun>(
        &mut self,
        slots: K::Slots,
        metadata: Option<UserMetadata>,
        command: impl FnOnce(Seq<K>, &WorkflowInfo) -> workflow_command::Variant,
    ) -> Seq<K> {
        let seq = K::operations(&mut self.operations).reserve();
        self.schedule_reserved(seq, slots, metadata, command);
        seq
    }

    /// [`schedule_described`](Self::schedule_described) under a number taken earlier (a local
    /// activity's retry, numbered when core asked for the backoff).
    pub(crate) fn schedule_reserved<K: InRun>(
        &mut self,
        seq: Seq<K>,
        slots: K::Slots,
        metadata: Option<UserMetadata>,
        command: impl FnOnce(Seq<K>, &WorkflowInfo) -> workflow_command::Variant,
    ) {
        K::operations(&mut self.operations).schedule_as(seq, slots, Rc::clone(&self.scope));
        let mut command = command(seq, &self.info);
        self.intercept_outbound(&mut command);
        if let Some(metadata) = metadata {
            self.command_metadata.push((self.commands.len(), metadata));
        }
        self.commands.push(command);
    }

    /// Sends operation `seq`'s cancel command unless one went out already, it is no longer
    /// pending or the run has finished. A kind that ends on cancel (a timer) is forgotten, and
    /// its slots come back for the caller to resolve as cancelled.
    pub(crate) fn cancel<K: InRun>(&mut self, seq: Seq<K>, reason: &str) -> Option<K::Slots> {
        let (command, slots) = K::operations(&mut self.operations).cancel(seq, reason)?;
        if let Some(command) = command
            && !self.finished
        {
            self.commands.push(command);
        }
        slots
    }

    /// Forgets operation `seq` without a command: its future went away after its cancel, or
    /// it never started.
    pub(crate) fn forget<K: InRun>(&mut self, seq: Seq<K>) {
        K::operations(&mut self.operations).take(seq);
    }

    /// Delivers the resolution of operation `seq` to its future; returns false for a sequence
    /// number the run no longer waits on (cancelled, or its future dropped).
    pub(crate) fn resolve<K: InRun>(
        this: &RefCell<Self>,
        seq: Seq<K>,
        resolution: K::Resolution,
    ) -> bool {
        let pending = K::operations(&mut this.borrow_mut().operations).take(seq);
        match pending {
            // Delivered after the borrow ends: waking a task may lead back here.
            Some(pending) => {
                K::deliver(&pending.slots, resolution);
                true
            }
            None => false,
        }
    }

    /// Delivers an activity's resolution. A local activity that core tells to back off with a
    /// timer gets the number of its next attempt now, before any code runs, as the other SDKs
    /// number it.
    pub(crate) fn resolve_activity(
        this: &RefCell<Self>,
        seq: Seq<Activity>,
        resolution: ActivityResolution,
    ) -> bool {
        let backs_off = matches!(
            resolution.status,
            Some(activity_resolution::Status::Backoff(_))
        );
        let retry_as = {
            let mut shared = this.borrow_mut();
            let activities = &mut shared.operations.activities;
            let local = activities.slots(seq).is_some_and(|slots| slots.local);
            (local && backs_off).then(|| activities.reserve())
        };
        Self::resolve(
            this,
            seq,
            ActivityResolved {
                resolution,
                retry_as,
            },
        )
    }

    /// The cancellation that reaches code polled right now: its scope's, or an enclosing
    /// scope's (the workflow's, at the root) with no shield in between.
    pub(crate) fn cancellation_here(&self) -> Option<Cancelled> {
        self.scope.cancellation().map(Cancelled::new)
    }

    /// The cancellation scope of the code polled right now.
    pub(crate) fn current_scope(&self) -> &ScopeRef {
        &self.scope
    }

    /// Makes `scope` the current one while a scope's future is polled; returns the scope to
    /// put back afterwards.
    pub(crate) fn enter_scope(&mut self, scope: ScopeRef) -> ScopeRef {
        std::mem::replace(&mut self.scope, scope)
    }

    /// Applies the workflow's cancellation request: it cancels the root scope. A second
    /// request changes nothing.
    pub(crate) fn request_cancel(this: &RefCell<Self>, reason: String) {
        let root = {
            let mut shared = this.borrow_mut();
            if shared.cancel_requested.is_some() {
                return;
            }
            shared.cancel_requested = Some(reason.clone());
            Rc::clone(&shared.root_scope)
        };
        Self::cancel_scope(this, &root, &reason);
    }

    /// Cancels `scope`: every timer it reaches is cancelled (its await returns
    /// [`Cancelled`]), every activity and child workflow it reaches is asked to cancel (core
    /// resolves them as their cancellation types say), and the tasks waiting in `cancelled()`
    /// or a wait condition wake up to look again. Commands go out by kind, each in sequence
    /// order, so they replay identically. A scope cancelled already changes nothing.
    pub(crate) fn cancel_scope(this: &RefCell<Self>, scope: &ScopeRef, reason: &str) {
        let (timers, wakers) = {
            let mut shared = this.borrow_mut();
            if !scope.mark_cancelled(reason) {
                return;
            }
            let timers: Vec<_> = shared
                .operations
                .timers
                .reached_by(scope)
                .into_iter()
                .filter_map(|seq| shared.cancel(seq, reason))
                .collect();
            for seq in shared.operations.activities.reached_by(scope) {
                shared.cancel(seq, reason);
            }
            for seq in shared.operations.children.reached_by(scope) {
                shared.cancel(seq, reason);
            }
            let mut wakers = std::mem::take(&mut shared.cancel_waiters);
            wakers.append(&mut shared.condition_waiters);
            (timers, wakers)
        };
        for slot in timers {
            resolve_slot(&slot, Err(Cancelled::new(reason)));
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
        PendingSeqs {
            timers: self.operations.timers.seqs(),
            activities: self.operations.activities.seqs(),
            children: self.operations.children.seqs(),
        }
    }

    /// Delivers a child workflow's start resolution; returns false for an unknown sequence
    /// number. The child stays pending until its result arrives (core resolves the result of
    /// a child that did not start too).
    pub(crate) fn resolve_child_start(
        this: &RefCell<Self>,
        seq: Seq<Child>,
        status: resolve_child_workflow_execution_start::Status,
    ) -> bool {
        let slot = this
            .borrow()
            .operations
            .children
            .slots(seq)
            .map(|slots| Rc::clone(&slots.start));
        match slot {
            Some(slot) => {
                resolve_slot(&slot, status);
                true
            }
            None => false,
        }
    }
}

/// The operations of every kind one run waits on.
#[derive(Default)]
pub(crate) struct RunOperations {
    timers: Operations<Timer>,
    activities: Operations<Activity>,
    children: Operations<Child>,
    external_signals: Operations<ExternalSignal>,
    external_cancels: Operations<ExternalCancel>,
}

/// An operation kind with its table in the run.
pub(crate) trait InRun: OperationKind {
    fn operations(run: &mut RunOperations) -> &mut Operations<Self>;
}

macro_rules! in_run {
    ($($kind:ident => $field:ident),* $(,)?) => {$(
        impl InRun for $kind {
            fn operations(run: &mut RunOperations) -> &mut Operations<Self> {
                &mut run.$field
            }
        }
    )*};
}

in_run!(
    Timer => timers,
    Activity => activities,
    Child => children,
    ExternalSignal => external_signals,
    ExternalCancel => external_cancels,
);

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
