//! Schedules: the server starts a workflow on a timetable (intervals, calendars, cron
//! expressions), with a policy for runs that overlap or were missed. The client creates,
//! describes, lists, updates, pauses, triggers, backfills and deletes them.
//!
//! The scheduled action names the workflow's `#[run]` method, so its input type is checked at
//! compile time, as for [`Client::start`].

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, SystemTime},
};

use futures::{Stream, StreamExt, stream::BoxStream};
use temporalio_common::protos::temporal::api::{
    enums::v1::ScheduleOverlapPolicy as ProtoOverlap,
    schedule::v1::{
        BackfillRequest, CalendarSpec, IntervalSpec, Schedule as ProtoSchedule,
        ScheduleAction as ProtoAction, SchedulePatch, SchedulePolicies, ScheduleSpec as ProtoSpec,
        ScheduleState, TriggerImmediatelyRequest, schedule_action,
    },
    workflowservice::v1::{
        CreateScheduleRequest, DeleteScheduleRequest, DescribeScheduleRequest,
        ListSchedulesRequest, PatchScheduleRequest, UpdateScheduleRequest,
    },
};

use crate::{
    client::{Client, StartOptions, error::ClientError, paging::paged, rpc},
    convert::{duration, proto_duration, system_time},
    payload::PayloadError,
    workflow::{WorkflowDefinition, WorkflowRunFn},
};

/// What a schedule does when an action is due while the previous one still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ScheduleOverlapPolicy {
    /// Skips the new action (the server's default).
    #[default]
    Skip,
    /// Starts the new action once the running one closes; one more waiting is dropped.
    BufferOne,
    /// Starts each waiting action in turn as the previous closes.
    BufferAll,
    /// Cancels the running workflow, then starts the new one once it closed.
    CancelOther,
    /// Terminates the running workflow and starts the new one.
    TerminateOther,
    /// Starts the new action whatever runs.
    AllowAll,
}

impl ScheduleOverlapPolicy {
    fn to_proto(self) -> ProtoOverlap {
        match self {
            Self::Skip => ProtoOverlap::Skip,
            Self::BufferOne => ProtoOverlap::BufferOne,
            Self::BufferAll => ProtoOverlap::BufferAll,
            Self::CancelOther => ProtoOverlap::CancelOther,
            Self::TerminateOther => ProtoOverlap::TerminateOther,
            Self::AllowAll => ProtoOverlap::AllowAll,
        }
    }

    fn from_proto(policy: i32) -> Self {
        match ProtoOverlap::try_from(policy) {
            Ok(ProtoOverlap::BufferOne) => Self::BufferOne,
            Ok(ProtoOverlap::BufferAll) => Self::BufferAll,
            Ok(ProtoOverlap::CancelOther) => Self::CancelOther,
            Ok(ProtoOverlap::TerminateOther) => Self::TerminateOther,
            Ok(ProtoOverlap::AllowAll) => Self::AllowAll,
            _ => Self::Skip,
        }
    }
}

/// A calendar time a schedule fires at, each field in Temporal's calendar syntax: `"9"`,
/// `"9,17"`, `"1-5"`, `"*/15"`, and for days of the week `"MON-FRI"`. Unset fields mean
/// midnight's values (second, minute, hour `0`) or every value (day, month, year, weekday).
///
/// ```
/// use workflow_runtime::ScheduleCalendar;
/// // 09:30 on weekdays.
/// let weekdays = ScheduleCalendar::new().hour("9").minute("30").day_of_week("MON-FRI");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleCalendar(CalendarSpec);

macro_rules! calendar_fields {
    ($($field:ident: $doc:literal),*) => {$(
        #[doc = $doc]
        pub fn $field(mut self, value: impl Into<String>) -> Self {
            self.0.$field = value.into();
            self
        }
    )*};
}

impl ScheduleCalendar {
    /// Every day at midnight, until fields are set.
    pub fn new() -> Self {
        Self::default()
    }

    calendar_fields!(
        second: "The seconds (0-59).",
        minute: "The minutes (0-59).",
        hour: "The hours (0-23).",
        day_of_month: "The days of the month (1-31).",
        month: "The months (1-12, or JAN-DEC).",
        year: "The years.",
        day_of_week: "The days of the week (0-6 from Sunday, or SUN-SAT)."
    );
}

/// When a schedule fires: any number of intervals, calendar times and cron expressions, with
/// jitter, a start and an end, in a time zone.
///
/// ```
/// use std::time::Duration;
/// use workflow_runtime::{ScheduleCalendar, ScheduleSpec};
/// let spec = ScheduleSpec::every(Duration::from_secs(3600))
///     .calendar(ScheduleCalendar::new().hour("9").day_of_week("MON"))
///     .cron("0 18 * * FRI")
///     .jitter(Duration::from_secs(60))
///     .time_zone("Europe/Berlin");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleSpec(ProtoSpec);

impl ScheduleSpec {
    /// Fires every `interval`, counted from the Unix epoch.
    pub fn every(interval: Duration) -> Self {
        Self::default().interval(interval, Duration::ZERO)
    }

    /// Fires by a cron expression (`"0 3 * * *"`; `@daily` and the like work too).
    pub fn cron_expression(expression: impl Into<String>) -> Self {
        Self::default().cron(expression)
    }

    /// Fires at calendar times.
    pub fn at(calendar: ScheduleCalendar) -> Self {
        Self::default().calendar(calendar)
    }

    /// Also fires every `interval`, shifted by `offset` (every hour at minute 5:
    /// `interval(1 h, 5 min)`).
    pub fn interval(mut self, interval: Duration, offset: Duration) -> Self {
        self.0.interval.push(IntervalSpec {
            interval: Some(proto_duration(interval)),
            phase: (!offset.is_zero()).then(|| proto_duration(offset)),
        });
        self
    }

    /// Also fires by a cron expression.
    pub fn cron(mut self, expression: impl Into<String>) -> Self {
        self.0.cron_string.push(expression.into());
        self
    }

    /// Also fires at calendar times.
    pub fn calendar(mut self, calendar: ScheduleCalendar) -> Self {
        self.0.calendar.push(calendar.0);
        self
    }

    /// Delays each action by a random time up to `jitter`, to spread the load of many
    /// schedules firing at once.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.0.jitter = Some(proto_duration(jitter));
        self
    }

    /// Fires no earlier than `start`.
    pub fn starting_at(mut self, start: SystemTime) -> Self {
        self.0.start_time = Some(start.into());
        self
    }

    /// Fires no later than `end`.
    pub fn ending_at(mut self, end: SystemTime) -> Self {
        self.0.end_time = Some(end.into());
        self
    }

    /// Reads calendar times and cron expressions in this IANA time zone (UTC by default).
    pub fn time_zone(mut self, name: impl Into<String>) -> Self {
        self.0.timezone_name = name.into();
        self
    }
}

/// What a schedule does each time it fires: start a workflow by its `#[run]` method.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleAction(ProtoAction);

impl ScheduleAction {
    /// Starts the workflow of `run` with `input`. The options' workflow id is a prefix: the
    /// server appends the scheduled time, so each run has its own id. Id reuse and conflict
    /// policies, cron and start delay do not apply to scheduled runs and are ignored.
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// # #[derive(Default)] pub struct Report;
    /// # #[workflow] impl Report { #[run] async fn run(_ctx: WorkflowContext<Self>, day: String) -> WorkflowResult<()> { Ok(()) } }
    /// use workflow_runtime::ScheduleAction;
    /// let action = ScheduleAction::start_workflow(
    ///     Report::run,
    ///     "today".to_owned(),
    ///     StartOptions::new("daily-report", "reports"),
    /// )?;
    /// # Ok::<(), workflow_runtime::payload::PayloadError>(())
    /// ```
    pub fn start_workflow<F, Args>(
        _run: F,
        input: <F::Workflow as WorkflowDefinition>::Input,
        options: StartOptions,
    ) -> Result<Self, PayloadError>
    where
        F: WorkflowRunFn<Args>,
    {
        let arguments = <F::Workflow as WorkflowDefinition>::encode_input(&input)?;
        let start =
            options.start_request("", "", <F::Workflow as WorkflowDefinition>::NAME, arguments);
        Ok(Self(ProtoAction {
            action: Some(schedule_action::Action::StartWorkflow(
                temporalio_common::protos::temporal::api::workflow::v1::NewWorkflowExecutionInfo {
                    workflow_id: start.workflow_id,
                    workflow_type: start.workflow_type,
                    task_queue: start.task_queue,
                    input: start.input,
                    workflow_execution_timeout: start.workflow_execution_timeout,
                    workflow_run_timeout: start.workflow_run_timeout,
                    workflow_task_timeout: start.workflow_task_timeout,
                    retry_policy: start.retry_policy,
                    memo: start.memo,
                    search_attributes: start.search_attributes,
                    user_metadata: start.user_metadata,
                    ..Default::default()
                },
            )),
        }))
    }

    /// The workflow type it starts.
    pub fn workflow_type(&self) -> &str {
        match &self.0.action {
            Some(schedule_action::Action::StartWorkflow(start)) => {
                start.workflow_type.as_ref().map_or("", |t| t.name.as_str())
            }
            None => "",
        }
    }
}

/// A schedule: what it starts, when, what happens to overlapping and missed actions, and
/// whether it is paused.
///
/// ```no_run
/// # use std::time::Duration;
/// # use workflow_runtime::prelude::*;
/// # #[derive(Default)] pub struct Report;
/// # #[workflow] impl Report { #[run] async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
/// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
/// use workflow_runtime::{Schedule, ScheduleAction, ScheduleOverlapPolicy, ScheduleSpec};
/// let action = ScheduleAction::start_workflow(Report::run, (), StartOptions::new("report", "reports"))?;
/// let schedule = Schedule::new(action, ScheduleSpec::cron_expression("0 6 * * *"))
///     .overlap(ScheduleOverlapPolicy::BufferOne)
///     .catchup_window(Duration::from_secs(3600));
/// let handle = client.create_schedule("daily-report", schedule).await?;
/// handle.trigger().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule(ProtoSchedule);

impl Schedule {
    /// A schedule that runs `action` as `spec` says, skipping overlapping actions.
    pub fn new(action: ScheduleAction, spec: ScheduleSpec) -> Self {
        Self(ProtoSchedule {
            spec: Some(spec.0),
            action: Some(action.0),
            policies: Some(SchedulePolicies::default()),
            state: Some(ScheduleState::default()),
        })
    }

    /// Replaces when it fires.
    pub fn spec(mut self, spec: ScheduleSpec) -> Self {
        self.0.spec = Some(spec.0);
        self
    }

    /// Replaces what it starts.
    pub fn action(mut self, action: ScheduleAction) -> Self {
        self.0.action = Some(action.0);
        self
    }

    /// What happens when an action is due while the last one still runs.
    pub fn overlap(mut self, policy: ScheduleOverlapPolicy) -> Self {
        self.policies().overlap_policy = policy.to_proto() as i32;
        self
    }

    /// How late a missed action may still run (after a server outage, or once unpaused); the
    /// server's default is one year.
    pub fn catchup_window(mut self, window: Duration) -> Self {
        self.policies().catchup_window = Some(proto_duration(window));
        self
    }

    /// Pauses the schedule when a run it started fails.
    pub fn pause_on_failure(mut self, pause: bool) -> Self {
        self.policies().pause_on_failure = pause;
        self
    }

    /// Creates it paused, with a note saying why.
    pub fn paused(mut self, note: impl Into<String>) -> Self {
        let state = self.0.state.get_or_insert_with(Default::default);
        state.paused = true;
        state.notes = note.into();
        self
    }

    /// The overlap policy.
    pub fn overlap_policy(&self) -> ScheduleOverlapPolicy {
        ScheduleOverlapPolicy::from_proto(self.0.policies.as_ref().map_or(0, |p| p.overlap_policy))
    }

    /// The catch-up window, when set.
    pub fn catchup_window_length(&self) -> Option<Duration> {
        duration(self.0.policies.as_ref()?.catchup_window.as_ref())
    }

    /// Whether a failed run pauses it.
    pub fn pauses_on_failure(&self) -> bool {
        self.0.policies.as_ref().is_some_and(|p| p.pause_on_failure)
    }

    /// Whether it is paused.
    pub fn is_paused(&self) -> bool {
        self.0.state.as_ref().is_some_and(|s| s.paused)
    }

    /// The note of the last pause or unpause.
    pub fn note(&self) -> &str {
        self.0.state.as_ref().map_or("", |s| s.notes.as_str())
    }

    /// The workflow type it starts.
    pub fn workflow_type(&self) -> &str {
        self.0
            .action
            .as_ref()
            .and_then(|a| match &a.action {
                Some(schedule_action::Action::StartWorkflow(start)) => start.workflow_type.as_ref(),
                None => None,
            })
            .map_or("", |t| t.name.as_str())
    }

    /// Its cron expressions, as the server keeps them (it may store them as calendars).
    pub fn cron_expressions(&self) -> &[String] {
        self.0
            .spec
            .as_ref()
            .map_or(&[], |s| s.cron_string.as_slice())
    }

    /// Its intervals and their offsets.
    pub fn intervals(&self) -> Vec<(Duration, Duration)> {
        self.0.spec.as_ref().map_or_else(Vec::new, |spec| {
            spec.interval
                .iter()
                .map(|i| {
                    (
                        duration(i.interval.as_ref()).unwrap_or_default(),
                        duration(i.phase.as_ref()).unwrap_or_default(),
                    )
                })
                .collect()
        })
    }

    fn policies(&mut self) -> &mut SchedulePolicies {
        self.0.policies.get_or_insert_with(Default::default)
    }
}

/// One run a schedule started.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduledRun {
    /// The run's workflow id (the action's id with the scheduled time appended).
    pub workflow_id: String,
    /// The run id.
    pub run_id: String,
    /// When the schedule meant to start it.
    pub scheduled_at: Option<SystemTime>,
    /// When it started.
    pub started_at: Option<SystemTime>,
}

/// What [`ScheduleHandle::describe`] tells about a schedule.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScheduleDescription {
    /// The schedule as the server holds it.
    pub schedule: Schedule,
    /// How many actions it has taken (triggers and backfills included).
    pub action_count: u64,
    /// The latest runs it started, oldest first.
    pub recent_runs: Vec<ScheduledRun>,
    /// The runs it started that are still open, as (workflow id, run id).
    pub running: Vec<(String, String)>,
    /// When it fires next.
    pub next_action_times: Vec<SystemTime>,
}

/// A schedule in a list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScheduleSummary {
    /// The schedule id.
    pub schedule_id: String,
    /// The workflow type it starts.
    pub workflow_type: String,
    /// Whether it is paused.
    pub paused: bool,
    /// The note of the last pause or unpause.
    pub note: String,
    /// When it fires next.
    pub next_action_times: Vec<SystemTime>,
}

/// A schedule on the server, by id.
#[derive(Debug, Clone)]
pub struct ScheduleHandle {
    client: Client,
    schedule_id: String,
}

impl ScheduleHandle {
    /// The schedule id.
    pub fn schedule_id(&self) -> &str {
        &self.schedule_id
    }

    /// The schedule and what it did: its action count, recent and running runs, next times.
    pub async fn describe(&self) -> Result<ScheduleDescription, ClientError> {
        let response = rpc::describe_schedule(
            &self.client,
            &self.schedule_id,
            DescribeScheduleRequest {
                namespace: self.client.namespace().to_owned(),
                schedule_id: self.schedule_id.clone(),
            },
        )
        .await?;
        let info = response.info.unwrap_or_default();
        let description = ScheduleDescription {
            schedule: Schedule(response.schedule.unwrap_or_default()),
            action_count: u64::try_from(info.action_count).unwrap_or(0),
            recent_runs: info
                .recent_actions
                .into_iter()
                .map(|action| {
                    let execution = action.start_workflow_result.unwrap_or_default();
                    ScheduledRun {
                        workflow_id: execution.workflow_id,
                        run_id: execution.run_id,
                        scheduled_at: system_time(action.schedule_time.as_ref()),
                        started_at: system_time(action.actual_time.as_ref()),
                    }
                })
                .collect(),
            running: info
                .running_workflows
                .into_iter()
                .map(|execution| (execution.workflow_id, execution.run_id))
                .collect(),
            next_action_times: info
                .future_action_times
                .iter()
                .filter_map(|time| system_time(Some(time)))
                .collect(),
        };
        Ok(description)
    }

    /// Reads the schedule, lets `change` modify it, and writes it back. The last write wins: a
    /// change another writer made between this read and this write is replaced. No conflict
    /// token goes with the write, because the server drops a write whose token is stale
    /// without an error, which would lose this change silently; the Python SDK writes without
    /// one too.
    ///
    /// ```no_run
    /// # async fn demo(handle: workflow_runtime::ScheduleHandle) -> Result<(), workflow_runtime::ClientError> {
    /// use workflow_runtime::ScheduleOverlapPolicy;
    /// handle.update(|schedule| schedule.overlap(ScheduleOverlapPolicy::AllowAll)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        change: impl FnOnce(Schedule) -> Schedule,
    ) -> Result<(), ClientError> {
        let description = self.describe().await?;
        let changed = change(description.schedule);
        rpc::update_schedule(
            &self.client,
            &self.schedule_id,
            UpdateScheduleRequest {
                namespace: self.client.namespace().to_owned(),
                schedule_id: self.schedule_id.clone(),
                schedule: Some(changed.0),
                identity: self.client.identity().to_owned(),
                request_id: uuid::Uuid::new_v4().to_string(),
                ..Default::default()
            },
        )
        .await
    }

    /// Pauses it, with a note saying why (shown in the UI and by describe).
    pub async fn pause(&self, note: impl Into<String>) -> Result<(), ClientError> {
        self.patch(SchedulePatch {
            pause: non_empty(note.into(), "paused"),
            ..Default::default()
        })
        .await
    }

    /// Unpauses it, with a note.
    pub async fn unpause(&self, note: impl Into<String>) -> Result<(), ClientError> {
        self.patch(SchedulePatch {
            unpause: non_empty(note.into(), "unpaused"),
            ..Default::default()
        })
        .await
    }

    /// Runs the action now, under the schedule's overlap policy.
    pub async fn trigger(&self) -> Result<(), ClientError> {
        self.patch(SchedulePatch {
            trigger_immediately: Some(TriggerImmediatelyRequest::default()),
            ..Default::default()
        })
        .await
    }

    /// Runs the actions the schedule would have taken between `start` and `end`, under
    /// `overlap`.
    pub async fn backfill(
        &self,
        start: SystemTime,
        end: SystemTime,
        overlap: ScheduleOverlapPolicy,
    ) -> Result<(), ClientError> {
        self.patch(SchedulePatch {
            backfill_request: vec![BackfillRequest {
                start_time: Some(start.into()),
                end_time: Some(end.into()),
                overlap_policy: overlap.to_proto() as i32,
            }],
            ..Default::default()
        })
        .await
    }

    /// Deletes it; runs it started keep running.
    pub async fn delete(&self) -> Result<(), ClientError> {
        rpc::delete_schedule(
            &self.client,
            &self.schedule_id,
            DeleteScheduleRequest {
                namespace: self.client.namespace().to_owned(),
                schedule_id: self.schedule_id.clone(),
                identity: self.client.identity().to_owned(),
            },
        )
        .await
    }

    async fn patch(&self, patch: SchedulePatch) -> Result<(), ClientError> {
        rpc::patch_schedule(
            &self.client,
            &self.schedule_id,
            PatchScheduleRequest {
                namespace: self.client.namespace().to_owned(),
                schedule_id: self.schedule_id.clone(),
                patch: Some(patch),
                identity: self.client.identity().to_owned(),
                request_id: uuid::Uuid::new_v4().to_string(),
            },
        )
        .await
    }
}

/// The server needs a note to pause or unpause; an empty one becomes `default`.
fn non_empty(note: String, default: &str) -> String {
    if note.is_empty() {
        default.to_owned()
    } else {
        note
    }
}

/// The schedules a query matches, page by page, as a [`Stream`]; from
/// [`Client::list_schedules`].
#[must_use = "a list fetches nothing until polled"]
pub struct ScheduleList<'a> {
    pages: BoxStream<'a, Result<ScheduleSummary, ClientError>>,
}

impl std::fmt::Debug for ScheduleList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScheduleList").finish_non_exhaustive()
    }
}

impl Stream for ScheduleList<'_> {
    type Item = Result<ScheduleSummary, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.pages.poll_next_unpin(cx)
    }
}

impl Client {
    /// Creates schedule `schedule_id`; an id in use is
    /// [`ClientError::ScheduleAlreadyExists`].
    pub async fn create_schedule(
        &self,
        schedule_id: impl Into<String>,
        schedule: Schedule,
    ) -> Result<ScheduleHandle, ClientError> {
        let schedule_id = schedule_id.into();
        rpc::create_schedule(
            self,
            CreateScheduleRequest {
                namespace: self.namespace().to_owned(),
                schedule_id: schedule_id.clone(),
                schedule: Some(schedule.0),
                identity: self.identity().to_owned(),
                request_id: uuid::Uuid::new_v4().to_string(),
                ..Default::default()
            },
        )
        .await?;
        Ok(self.schedule_handle(schedule_id))
    }

    /// A handle to schedule `schedule_id`, without checking that it exists.
    pub fn schedule_handle(&self, schedule_id: impl Into<String>) -> ScheduleHandle {
        ScheduleHandle {
            client: self.clone(),
            schedule_id: schedule_id.into(),
        }
    }

    /// The schedules of the namespace that match a visibility query (empty for all), page by
    /// page. Like workflow lists, it follows changes with a short delay.
    pub fn list_schedules(&self, query: impl Into<String>) -> ScheduleList<'_> {
        let query = query.into();
        let pages = paged(move |next_page_token| {
            let request = ListSchedulesRequest {
                namespace: self.namespace().to_owned(),
                maximum_page_size: 0,
                next_page_token,
                query: query.clone(),
            };
            async move {
                let response = rpc::list_schedules(self, request).await?;
                let page = response
                    .schedules
                    .into_iter()
                    .map(|entry| {
                        let info = entry.info.unwrap_or_default();
                        ScheduleSummary {
                            schedule_id: entry.schedule_id,
                            workflow_type: info.workflow_type.map(|t| t.name).unwrap_or_default(),
                            paused: info.paused,
                            note: info.notes,
                            next_action_times: info
                                .future_action_times
                                .iter()
                                .filter_map(|time| system_time(Some(time)))
                                .collect(),
                        }
                    })
                    .collect();
                Ok((page, response.next_page_token))
            }
        });
        ScheduleList { pages }
    }
}
