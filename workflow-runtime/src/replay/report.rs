//! What a replay found: for a run whose code no longer matches its history, the event where
//! they part and what each side holds there, in words.

use std::fmt;

use temporalio_common::protos::{
    coresdk::workflow_commands::{WorkflowCommand, workflow_command::Variant},
    temporal::api::{
        enums::v1::EventType,
        history::v1::{HistoryEvent, history_event::Attributes},
    },
};

use crate::{convert::duration, history::HistoryError};

/// Errors core reports, kept whole as the source of a [`ReplayError`].
pub(crate) type CoreError = Box<dyn std::error::Error + Send + Sync>;

/// A history did not replay cleanly, or could not be replayed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The workflow code produced different commands than the history records.
    #[error(transparent)]
    Nondeterminism(Box<Mismatch>),
    /// A workflow task failed while replaying (panic, unknown workflow type, ...).
    #[error("workflow `{workflow_id}` ({workflow_type}) failed while replaying: {message}")]
    TaskFailed {
        /// The workflow id.
        workflow_id: String,
        /// The workflow type.
        workflow_type: String,
        /// The failure's message.
        message: String,
    },
    /// The history could not be read.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The run's history could not be fetched from the server.
    #[error("cannot fetch the run's history from the server")]
    Fetch(#[source] Box<crate::client::ClientError>),
    /// Core could not run the replay.
    #[error("cannot run the replay: {0}")]
    Core(#[source] CoreError),
}

impl ReplayError {
    /// The mismatch, when the code no longer matches the history.
    pub fn mismatch(&self) -> Option<&Mismatch> {
        match self {
            Self::Nondeterminism(mismatch) => Some(mismatch),
            _ => None,
        }
    }
}

/// Where a run's code and its history part: displayed as one line naming the workflow, the
/// event, what the history holds and what the code did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mismatch {
    /// The workflow id.
    pub workflow_id: String,
    /// The workflow type.
    pub workflow_type: String,
    /// The history event the code disagrees with, when it can be told.
    pub event_id: Option<i64>,
    /// What the history holds there, for example `ActivityTaskScheduled (activity
    /// `charge_payment`)`.
    pub expected: String,
    /// What the code did instead, for example `started a timer (5s)`.
    pub got: String,
    /// Core's own description of the mismatch.
    pub detail: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "workflow `{}` ({}) does not match its history",
            self.workflow_id, self.workflow_type
        )?;
        if let Some(event) = self.event_id {
            write!(f, " at event {event}")?;
        }
        write!(
            f,
            ": the history has {}, the code {}",
            self.expected, self.got
        )
    }
}

impl std::error::Error for Mismatch {}

/// The outcome of replaying many histories: one entry per history, in the order given.
#[derive(Debug, Default)]
pub struct ReplayReport {
    /// Each history's workflow id and outcome.
    pub outcomes: Vec<(String, Result<(), ReplayError>)>,
}

impl ReplayReport {
    /// How many histories were replayed.
    pub fn replayed(&self) -> usize {
        self.outcomes.len()
    }

    /// The histories that did not replay, with why.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &ReplayError)> {
        self.outcomes
            .iter()
            .filter_map(|(id, outcome)| outcome.as_ref().err().map(|e| (id.as_str(), e)))
    }

    /// Whether every history replayed cleanly.
    pub fn all_replayed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// `Ok` with the number of histories when all replayed, else the report itself as the
    /// error, listing each failure on its own line.
    pub fn into_result(self) -> Result<usize, ReplayReport> {
        if self.all_replayed() {
            Ok(self.replayed())
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        write!(
            f,
            "{failed} of {} histories did not replay",
            self.replayed()
        )?;
        for (_, error) in self.failures() {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ReplayReport {}

/// The commands the code sent in one workflow task, and where in the history that task began.
#[derive(Debug, Default)]
pub(crate) struct TaskCommands {
    /// The history length when the task's first activation came: the id of its
    /// `WorkflowTaskStarted` event.
    pub(crate) history_length: u32,
    pub(crate) commands: Vec<WorkflowCommand>,
}

/// Pairs the commands of the task that failed with the command events the history recorded
/// for it, and names the first pair that differs. Falls back on the event core's message names.
pub(crate) fn mismatch(
    workflow_id: &str,
    workflow_type: &str,
    events: &[HistoryEvent],
    task: &TaskCommands,
    detail: String,
) -> Mismatch {
    let recorded: Vec<&HistoryEvent> = events
        .iter()
        .skip_while(|e| e.event_id <= i64::from(task.history_length))
        .skip_while(|e| e.event_type() != EventType::WorkflowTaskCompleted)
        .skip(1)
        .take_while(|e| expected_for_event(e.event_type()))
        .collect();
    let sent: Vec<&Variant> = task
        .commands
        .iter()
        .filter_map(|c| c.variant.as_ref())
        .filter(|v| records_an_event(v))
        .collect();
    let found =
        (0..recorded.len().max(sent.len())).find_map(|i| match (recorded.get(i), sent.get(i)) {
            (Some(event), Some(command)) if !same(event, command) => Some((
                Some(event.event_id),
                describe_event(event),
                describe_command(command),
            )),
            (Some(event), None) => Some((
                Some(event.event_id),
                describe_event(event),
                "sent no command there".to_owned(),
            )),
            (None, Some(command)) => Some((
                recorded.last().map(|e| e.event_id + 1),
                "no further command in that workflow task".to_owned(),
                describe_command(command),
            )),
            _ => None,
        });
    let (event_id, expected, got) = found.unwrap_or_else(|| {
        let named = crate::foreign_text::history_event_id(&detail)
            .and_then(|id| events.iter().find(|e| e.event_id == id));
        (
            named.map(|e| e.event_id),
            named.map_or_else(|| "a different sequence".to_owned(), describe_event),
            format!("did otherwise ({detail})"),
        )
    });
    Mismatch {
        workflow_id: workflow_id.to_owned(),
        workflow_type: workflow_type.to_owned(),
        event_id,
        expected,
        got,
        detail,
    }
}

/// Whether an event type is the record of a workflow command.
fn expected_for_event(event_type: EventType) -> bool {
    use EventType as E;
    matches!(
        event_type,
        E::ActivityTaskScheduled
            | E::ActivityTaskCancelRequested
            | E::TimerStarted
            | E::TimerCanceled
            | E::StartChildWorkflowExecutionInitiated
            | E::RequestCancelExternalWorkflowExecutionInitiated
            | E::SignalExternalWorkflowExecutionInitiated
            | E::MarkerRecorded
            | E::UpsertWorkflowSearchAttributes
            | E::WorkflowPropertiesModified
            | E::WorkflowExecutionCompleted
            | E::WorkflowExecutionFailed
            | E::WorkflowExecutionCanceled
            | E::WorkflowExecutionContinuedAsNew
    )
}

/// Whether a command leaves an event in the history (queries and local cancellations do not;
/// update responses are protocol messages, not commands).
fn records_an_event(command: &Variant) -> bool {
    !matches!(
        command,
        Variant::RespondToQuery(_)
            | Variant::RequestCancelLocalActivity(_)
            | Variant::CancelSignalWorkflow(_)
            | Variant::UpdateResponse(_)
    )
}

fn event_for_command(command: &Variant) -> Option<EventType> {
    use EventType as E;
    Some(match command {
        Variant::StartTimer(_) => E::TimerStarted,
        Variant::ScheduleActivity(_) => E::ActivityTaskScheduled,
        Variant::RequestCancelActivity(_) => E::ActivityTaskCancelRequested,
        Variant::CancelTimer(_) => E::TimerCanceled,
        Variant::CompleteWorkflowExecution(_) => E::WorkflowExecutionCompleted,
        Variant::FailWorkflowExecution(_) => E::WorkflowExecutionFailed,
        Variant::ContinueAsNewWorkflowExecution(_) => E::WorkflowExecutionContinuedAsNew,
        Variant::CancelWorkflowExecution(_) => E::WorkflowExecutionCanceled,
        Variant::SetPatchMarker(_) | Variant::ScheduleLocalActivity(_) => E::MarkerRecorded,
        Variant::StartChildWorkflowExecution(_) => E::StartChildWorkflowExecutionInitiated,
        Variant::CancelChildWorkflowExecution(_)
        | Variant::RequestCancelExternalWorkflowExecution(_) => {
            E::RequestCancelExternalWorkflowExecutionInitiated
        }
        Variant::SignalExternalWorkflowExecution(_) => E::SignalExternalWorkflowExecutionInitiated,
        Variant::UpsertWorkflowSearchAttributes(_) => E::UpsertWorkflowSearchAttributes,
        Variant::ModifyWorkflowProperties(_) => E::WorkflowPropertiesModified,
        _ => return None,
    })
}

fn same(event: &HistoryEvent, command: &Variant) -> bool {
    if event_for_command(command) != Some(event.event_type()) {
        return false;
    }
    match (&event.attributes, command) {
        (
            Some(Attributes::ActivityTaskScheduledEventAttributes(scheduled)),
            Variant::ScheduleActivity(schedule),
        ) => {
            scheduled.activity_type.as_ref().map(|t| t.name.as_str())
                == Some(schedule.activity_type.as_str())
        }
        (
            Some(Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(initiated)),
            Variant::StartChildWorkflowExecution(start),
        ) => {
            initiated.workflow_type.as_ref().map(|t| t.name.as_str())
                == Some(start.workflow_type.as_str())
        }
        _ => true,
    }
}

fn describe_event(event: &HistoryEvent) -> String {
    let kind = format!("{:?}", event.event_type());
    match &event.attributes {
        Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => format!(
            "{kind} (activity `{}`)",
            a.activity_type.as_ref().map_or("", |t| t.name.as_str())
        ),
        Some(Attributes::TimerStartedEventAttributes(a)) => {
            match duration(a.start_to_fire_timeout.as_ref()) {
                Some(after) => format!("{kind} ({after:?})"),
                None => kind,
            }
        }
        Some(Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(a)) => format!(
            "{kind} (workflow `{}`)",
            a.workflow_type.as_ref().map_or("", |t| t.name.as_str())
        ),
        Some(Attributes::SignalExternalWorkflowExecutionInitiatedEventAttributes(a)) => {
            format!("{kind} (signal `{}`)", a.signal_name)
        }
        Some(Attributes::MarkerRecordedEventAttributes(a)) => {
            format!("{kind} (marker `{}`)", a.marker_name)
        }
        _ => kind,
    }
}

fn describe_command(command: &Variant) -> String {
    match command {
        Variant::StartTimer(timer) => match duration(timer.start_to_fire_timeout.as_ref()) {
            Some(after) => format!("started a timer ({after:?})"),
            None => "started a timer".to_owned(),
        },
        Variant::ScheduleActivity(a) => format!("scheduled activity `{}`", a.activity_type),
        Variant::RequestCancelActivity(_) => "cancelled an activity".to_owned(),
        Variant::CancelTimer(_) => "cancelled a timer".to_owned(),
        Variant::CompleteWorkflowExecution(_) => "completed the workflow".to_owned(),
        Variant::FailWorkflowExecution(_) => "failed the workflow".to_owned(),
        Variant::ContinueAsNewWorkflowExecution(_) => "continued as new".to_owned(),
        Variant::CancelWorkflowExecution(_) => "ended the workflow as cancelled".to_owned(),
        Variant::SetPatchMarker(p) => format!("set patch marker `{}`", p.patch_id),
        Variant::StartChildWorkflowExecution(c) => {
            format!("started child workflow `{}`", c.workflow_type)
        }
        Variant::CancelChildWorkflowExecution(_) => "cancelled a child workflow".to_owned(),
        Variant::RequestCancelExternalWorkflowExecution(_) => {
            "cancelled another workflow".to_owned()
        }
        Variant::SignalExternalWorkflowExecution(s) => format!("sent signal `{}`", s.signal_name),
        Variant::ScheduleLocalActivity(a) => {
            format!("scheduled local activity `{}`", a.activity_type)
        }
        Variant::UpsertWorkflowSearchAttributes(_) => "upserted search attributes".to_owned(),
        Variant::ModifyWorkflowProperties(_) => "modified workflow properties".to_owned(),
        other => format!("sent {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::{
        coresdk::workflow_commands::{ScheduleActivity, StartTimer},
        temporal::api::{
            common::v1::ActivityType,
            history::v1::{ActivityTaskScheduledEventAttributes, TimerStartedEventAttributes},
        },
    };

    use super::*;

    fn event(id: i64, event_type: EventType, attributes: Option<Attributes>) -> HistoryEvent {
        HistoryEvent {
            event_id: id,
            event_type: event_type as i32,
            attributes,
            ..Default::default()
        }
    }

    fn scheduled(id: i64, activity: &str) -> HistoryEvent {
        event(
            id,
            EventType::ActivityTaskScheduled,
            Some(Attributes::ActivityTaskScheduledEventAttributes(
                ActivityTaskScheduledEventAttributes {
                    activity_type: Some(ActivityType {
                        name: activity.to_owned(),
                    }),
                    ..Default::default()
                },
            )),
        )
    }

    /// Start, first task (events 2-4), its commands from event 5 on.
    fn history(commands: Vec<HistoryEvent>) -> Vec<HistoryEvent> {
        let mut events = vec![
            event(1, EventType::WorkflowExecutionStarted, None),
            event(2, EventType::WorkflowTaskScheduled, None),
            event(3, EventType::WorkflowTaskStarted, None),
            event(4, EventType::WorkflowTaskCompleted, None),
        ];
        events.extend(commands);
        events
    }

    fn task(commands: Vec<Variant>) -> TaskCommands {
        TaskCommands {
            history_length: 3,
            commands: commands
                .into_iter()
                .map(|v| WorkflowCommand {
                    variant: Some(v),
                    ..Default::default()
                })
                .collect(),
        }
    }

    fn schedule(activity: &str) -> Variant {
        Variant::ScheduleActivity(ScheduleActivity {
            activity_type: activity.to_owned(),
            ..Default::default()
        })
    }

    #[test]
    fn a_renamed_activity_is_named_with_its_event() {
        let events = history(vec![
            scheduled(5, "reserve"),
            scheduled(6, "charge_payment"),
        ]);
        let found = mismatch(
            "order-17",
            "OrderWorkflow",
            &events,
            &task(vec![schedule("reserve"), schedule("refund")]),
            "core's words".to_owned(),
        );
        assert_eq!(
            found.to_string(),
            "workflow `order-17` (OrderWorkflow) does not match its history at event 6: the \
             history has ActivityTaskScheduled (activity `charge_payment`), the code scheduled \
             activity `refund`"
        );
        assert_eq!(found.detail, "core's words");
    }

    #[test]
    fn a_timer_in_place_of_an_activity_and_a_missing_command_are_named() {
        let events = history(vec![scheduled(5, "reserve")]);
        let timer = Variant::StartTimer(StartTimer {
            seq: 1,
            start_to_fire_timeout: Some(prost_wkt_types::Duration {
                seconds: 5,
                nanos: 0,
            }),
        });
        let found = mismatch("w", "T", &events, &task(vec![timer]), String::new());
        assert_eq!(found.event_id, Some(5));
        assert_eq!(found.got, "started a timer (5s)");
        let found = mismatch("w", "T", &events, &task(vec![]), String::new());
        assert_eq!(found.expected, "ActivityTaskScheduled (activity `reserve`)");
        assert_eq!(found.got, "sent no command there");
    }

    #[test]
    fn an_extra_command_is_placed_after_the_recorded_ones() {
        let timer = event(
            5,
            EventType::TimerStarted,
            Some(Attributes::TimerStartedEventAttributes(
                TimerStartedEventAttributes::default(),
            )),
        );
        let found = mismatch(
            "w",
            "T",
            &history(vec![timer]),
            &task(vec![
                Variant::StartTimer(StartTimer::default()),
                schedule("audit"),
            ]),
            String::new(),
        );
        assert_eq!(found.event_id, Some(6));
        assert_eq!(found.expected, "no further command in that workflow task");
        assert_eq!(found.got, "scheduled activity `audit`");
    }

    #[test]
    fn without_a_differing_pair_the_event_core_names_is_used() {
        let events = history(vec![scheduled(5, "reserve")]);
        let found = mismatch(
            "w",
            "T",
            &events,
            &task(vec![schedule("reserve")]),
            "Timer machine does not handle this event: HistoryEvent(id: 5, ActivityTaskScheduled)"
                .to_owned(),
        );
        assert_eq!(found.event_id, Some(5));
        assert!(found.got.contains("Timer machine"), "{}", found.got);
    }
}
