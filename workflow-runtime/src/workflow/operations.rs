//! The operations a run waits on (timers, activities, child workflows, signals to and
//! cancellations of other workflows), numbered by typed sequence numbers and kept in order.
//!
//! Core numbers nothing itself: each command carries a sequence number that the run picks, and
//! core echoes it back in the job that resolves the operation. Every kind counts from 1 on its
//! own, so the numbers are typed ([`Seq<K>`]) to keep a timer's number from resolving an
//! activity. The tables are ordered, so everything done to several operations at once (the
//! workflow's cancellation) goes out in sequence order and replays identically.

use std::{cmp::Ordering, collections::BTreeMap, fmt, marker::PhantomData};

use temporalio_common::protos::{
    coresdk::{
        activity_result::ActivityResolution,
        child_workflow::ChildWorkflowResult,
        workflow_activation::resolve_child_workflow_execution_start,
        workflow_commands::{
            CancelChildWorkflowExecution, CancelSignalWorkflow, CancelTimer, RequestCancelActivity,
            RequestCancelLocalActivity, workflow_command,
        },
    },
    temporal::api::failure::v1::Failure,
};

use crate::{
    error::Cancelled,
    workflow::{
        cancellation::ScopeRef,
        shared::{SlotRef, resolve_slot},
    },
};

/// The sequence number of one operation of kind `K`, as the run sent it to core.
pub(crate) struct Seq<K> {
    number: u32,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Seq<K> {
    /// The number core sent back in a resolution job.
    pub(crate) fn from_core(number: u32) -> Self {
        Self {
            number,
            _kind: PhantomData,
        }
    }

    /// The number to put in a command.
    pub(crate) fn get(self) -> u32 {
        self.number
    }
}

// Implemented by hand: derives would require `K` itself to be `Copy`, `Ord`...
impl<K> Clone for Seq<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Seq<K> {}
impl<K> PartialEq for Seq<K> {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number
    }
}
impl<K> Eq for Seq<K> {}
impl<K> PartialOrd for Seq<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<K> Ord for Seq<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.number.cmp(&other.number)
    }
}
impl<K> fmt::Debug for Seq<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.number.fmt(f)
    }
}

/// One kind of operation: what its futures wait on, what resolves it, how it is cancelled.
pub(crate) trait OperationKind: Sized {
    /// What the operation's future (or futures) wait on.
    type Slots;
    /// What core's resolution job delivers.
    type Resolution;
    /// Whether a cancellation ends the operation at once (a timer: its future returns
    /// [`Cancelled`]); otherwise core resolves it later, as its cancellation type says.
    const ENDS_ON_CANCEL: bool;

    /// The command that cancels operation `seq`, if the kind has one.
    fn cancel_command(
        seq: Seq<Self>,
        slots: &Self::Slots,
        reason: &str,
    ) -> Option<workflow_command::Variant>;
    /// Hands the resolution to the waiting future(s).
    fn deliver(slots: &Self::Slots, resolution: Self::Resolution);
}

/// A durable timer.
pub(crate) enum Timer {}
/// An activity, remote or local: the two share one sequence of numbers, as in the other
/// SDKs, so a local activity's marker names the same number whichever SDK wrote it.
pub(crate) enum Activity {}
/// A child workflow.
pub(crate) enum Child {}
/// A signal to another workflow (or a child).
pub(crate) enum ExternalSignal {}
/// A cancellation request of another workflow.
pub(crate) enum ExternalCancel {}

/// What a timer resolves with: fired, or cancelled (with the reason).
pub(crate) type TimerOutcome = Result<(), Cancelled>;

impl OperationKind for Timer {
    type Slots = SlotRef<TimerOutcome>;
    type Resolution = TimerOutcome;
    const ENDS_ON_CANCEL: bool = true;

    fn cancel_command(
        seq: Seq<Self>,
        _slots: &Self::Slots,
        _reason: &str,
    ) -> Option<workflow_command::Variant> {
        Some(workflow_command::Variant::CancelTimer(CancelTimer {
            seq: seq.get(),
        }))
    }

    fn deliver(slot: &Self::Slots, outcome: TimerOutcome) {
        resolve_slot(slot, outcome);
    }
}

/// What an activity's future waits on, and where it runs.
pub(crate) struct ActivitySlots {
    pub(crate) resolved: SlotRef<ActivityResolved>,
    /// A local activity, run by this worker and recorded as a marker.
    pub(crate) local: bool,
}

/// Core's resolution of an activity, and for a local activity that core told to back off with
/// a timer, the number its next attempt is scheduled under (taken when the resolution
/// arrives, as the other SDKs take it, so the numbers agree with theirs).
pub(crate) struct ActivityResolved {
    pub(crate) resolution: ActivityResolution,
    pub(crate) retry_as: Option<Seq<Activity>>,
}

impl OperationKind for Activity {
    type Slots = ActivitySlots;
    type Resolution = ActivityResolved;
    const ENDS_ON_CANCEL: bool = false;

    fn cancel_command(
        seq: Seq<Self>,
        slots: &ActivitySlots,
        _reason: &str,
    ) -> Option<workflow_command::Variant> {
        Some(if slots.local {
            workflow_command::Variant::RequestCancelLocalActivity(RequestCancelLocalActivity {
                seq: seq.get(),
            })
        } else {
            workflow_command::Variant::RequestCancelActivity(RequestCancelActivity {
                seq: seq.get(),
            })
        })
    }

    fn deliver(slots: &ActivitySlots, resolved: ActivityResolved) {
        resolve_slot(&slots.resolved, resolved);
    }
}

/// A child's start resolution, then its result.
pub(crate) struct ChildSlots {
    pub(crate) start: SlotRef<resolve_child_workflow_execution_start::Status>,
    pub(crate) result: SlotRef<ChildWorkflowResult>,
}

impl OperationKind for Child {
    type Slots = ChildSlots;
    type Resolution = ChildWorkflowResult;
    const ENDS_ON_CANCEL: bool = false;

    fn cancel_command(
        seq: Seq<Self>,
        _slots: &ChildSlots,
        reason: &str,
    ) -> Option<workflow_command::Variant> {
        Some(workflow_command::Variant::CancelChildWorkflowExecution(
            CancelChildWorkflowExecution {
                child_workflow_seq: seq.get(),
                reason: reason.to_owned(),
            },
        ))
    }

    fn deliver(slots: &Self::Slots, result: ChildWorkflowResult) {
        resolve_slot(&slots.result, result);
    }
}

impl OperationKind for ExternalSignal {
    type Slots = SlotRef<Option<Failure>>;
    type Resolution = Option<Failure>;
    // A signal whose future is dropped is cancelled and forgotten.
    const ENDS_ON_CANCEL: bool = true;

    fn cancel_command(
        seq: Seq<Self>,
        _slots: &Self::Slots,
        _reason: &str,
    ) -> Option<workflow_command::Variant> {
        Some(workflow_command::Variant::CancelSignalWorkflow(
            CancelSignalWorkflow { seq: seq.get() },
        ))
    }

    fn deliver(slot: &Self::Slots, failure: Option<Failure>) {
        resolve_slot(slot, failure);
    }
}

impl OperationKind for ExternalCancel {
    type Slots = SlotRef<Option<Failure>>;
    type Resolution = Option<Failure>;
    const ENDS_ON_CANCEL: bool = true;

    /// A cancellation request cannot be taken back.
    fn cancel_command(
        _seq: Seq<Self>,
        _slots: &Self::Slots,
        _reason: &str,
    ) -> Option<workflow_command::Variant> {
        None
    }

    fn deliver(slot: &Self::Slots, failure: Option<Failure>) {
        resolve_slot(slot, failure);
    }
}

/// An operation the run waits on.
pub(crate) struct Pending<K: OperationKind> {
    pub(crate) slots: K::Slots,
    /// The cancellation scope it was started in: cancelling that scope, or one that encloses
    /// it without a shield in between, cancels it.
    scope: ScopeRef,
    /// Whether its cancel command went out already (explicitly, or with the workflow's
    /// cancellation), so dropping it later sends no second one.
    cancel_sent: bool,
}

/// The operations of one kind that a run waits on, by sequence number.
pub(crate) struct Operations<K: OperationKind> {
    next: u32,
    pending: BTreeMap<Seq<K>, Pending<K>>,
}

impl<K: OperationKind> Default for Operations<K> {
    fn default() -> Self {
        Self {
            next: 1,
            pending: BTreeMap::new(),
        }
    }
}

impl<K: OperationKind> Operations<K> {
    /// Takes the next number; [`schedule_as`](Self::schedule_as) then keeps the operation
    /// scheduled under it, at once or, for a local activity's retry, after a backoff timer.
    pub(crate) fn reserve(&mut self) -> Seq<K> {
        let seq = Seq::from_core(self.next);
        self.next += 1;
        seq
    }

    /// Keeps the slots of an operation scheduled under a number [`reserve`](Self::reserve)
    /// gave.
    pub(crate) fn schedule_as(&mut self, seq: Seq<K>, slots: K::Slots, scope: ScopeRef) {
        self.pending.insert(
            seq,
            Pending {
                slots,
                scope,
                cancel_sent: false,
            },
        );
    }

    /// Takes operation `seq` out: it resolved, or its future went away.
    pub(crate) fn take(&mut self, seq: Seq<K>) -> Option<Pending<K>> {
        self.pending.remove(&seq)
    }

    /// The slots of a pending operation.
    pub(crate) fn slots(&self, seq: Seq<K>) -> Option<&K::Slots> {
        self.pending.get(&seq).map(|pending| &pending.slots)
    }

    /// Marks operation `seq` cancelled and returns its cancel command, unless one went out
    /// already or it is no longer pending. A kind that ends on cancel is taken out, its slots
    /// returned for the caller to resolve.
    pub(crate) fn cancel(
        &mut self,
        seq: Seq<K>,
        reason: &str,
    ) -> Option<(Option<workflow_command::Variant>, Option<K::Slots>)> {
        let pending = self.pending.get_mut(&seq)?;
        if pending.cancel_sent {
            return None;
        }
        pending.cancel_sent = true;
        let command = K::cancel_command(seq, &pending.slots, reason);
        let slots = if K::ENDS_ON_CANCEL {
            self.pending.remove(&seq).map(|pending| pending.slots)
        } else {
            None
        };
        Some((command, slots))
    }

    /// The operations cancelling `scope` reaches (started in it, or in a scope inside it
    /// with no shield in between) that were not cancelled yet, in sequence order.
    pub(crate) fn reached_by(&self, scope: &ScopeRef) -> Vec<Seq<K>> {
        self.pending
            .iter()
            .filter(|(_, pending)| !pending.cancel_sent && pending.scope.reached_by(scope))
            .map(|(seq, _)| *seq)
            .collect()
    }

    /// The pending sequence numbers, in order.
    pub(crate) fn seqs(&self) -> Vec<u32> {
        self.pending.keys().map(|seq| seq.get()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::shared::new_slot;
    use std::rc::Rc;

    use crate::workflow::cancellation::ScopeNode;

    thread_local! {
        static ROOT: ScopeRef = ScopeNode::root();
        static SHIELD: ScopeRef = ROOT.with(|root| ScopeNode::child(root, true));
    }

    impl<K: OperationKind> Operations<K> {
        /// Schedules in the root scope, or in a shield inside it.
        fn schedule(&mut self, slots: K::Slots, cancellable: bool) -> Seq<K> {
            let seq = self.reserve();
            let scope = if cancellable { &ROOT } else { &SHIELD };
            self.schedule_as(seq, slots, scope.with(Rc::clone));
            seq
        }

        fn cancellable(&self) -> Vec<Seq<K>> {
            ROOT.with(|root| self.reached_by(root))
        }
    }

    fn remote() -> ActivitySlots {
        ActivitySlots {
            resolved: new_slot(),
            local: false,
        }
    }

    #[test]
    fn each_kind_counts_from_one_and_lists_in_sequence_order() {
        let mut timers = Operations::<Timer>::default();
        let mut activities = Operations::<Activity>::default();
        let first = timers.schedule(new_slot(), true);
        let second = timers.schedule(new_slot(), false);
        let third = timers.schedule(new_slot(), true);
        assert_eq!((first.get(), second.get(), third.get()), (1, 2, 3));
        assert_eq!(activities.schedule(remote(), true).get(), 1);
        assert_eq!(timers.seqs(), [1, 2, 3]);
        assert_eq!(timers.cancellable(), [first, third]);
    }

    #[test]
    fn a_cancel_goes_out_once_and_a_timer_ends_with_it() {
        let mut timers = Operations::<Timer>::default();
        let timer = timers.schedule(new_slot(), true);
        let (command, slot) = timers.cancel(timer, "why").expect("pending");
        assert!(matches!(
            command,
            Some(workflow_command::Variant::CancelTimer(CancelTimer {
                seq: 1
            }))
        ));
        assert!(slot.is_some());
        assert!(timers.cancel(timer, "why").is_none());
        assert!(timers.seqs().is_empty());

        let mut activities = Operations::<Activity>::default();
        let activity = activities.schedule(remote(), true);
        let (command, slot) = activities.cancel(activity, "why").expect("pending");
        assert!(command.is_some());
        assert!(slot.is_none(), "core resolves a cancelled activity later");
        assert!(activities.cancel(activity, "why").is_none(), "sent once");
        assert!(activities.cancellable().is_empty());
        assert_eq!(activities.seqs(), [1]);
    }

    #[test]
    fn a_local_activity_is_cancelled_by_its_own_command_and_a_reserved_number_is_skipped() {
        let mut activities = Operations::<Activity>::default();
        let local = activities.schedule(
            ActivitySlots {
                resolved: new_slot(),
                local: true,
            },
            true,
        );
        let (command, _) = activities.cancel(local, "why").expect("pending");
        assert!(matches!(
            command,
            Some(workflow_command::Variant::RequestCancelLocalActivity(
                RequestCancelLocalActivity { seq: 1 }
            ))
        ));
        let reserved = activities.reserve();
        assert_eq!(reserved.get(), 2);
        assert_eq!(activities.seqs(), [1], "a reserved number is not pending");
        assert_eq!(activities.schedule(remote(), true).get(), 3);
    }
}
