//! One activity task: find the implementation, build its context, run it with panic
//! isolation, and turn the outcome into the result core reports to the server.

use std::sync::Arc;

use futures::FutureExt;
use temporalio_common::protos::coresdk::{
    ActivityHeartbeat, activity_result::ActivityExecutionResult, activity_task::Start,
};
use tokio::sync::watch;
use tracing::Instrument;

use crate::{
    activity::{
        context::{ActivityContext, ActivityInfo, CancelState, TaskToken},
        registry::ActivityRegistry,
    },
    caught_panic::reported_once,
    convert::{duration, system_time},
    error::{Retry, application_failure, failure_type},
    interceptor::{ActivityAttempt, ActivityOutcome, Headers, Interceptors, intercept_activity},
    metrics::{MetricMeter, WorkerMetrics},
};

fn attempt_info(start: &Start, task_token: &[u8]) -> ActivityInfo {
    let execution = start.workflow_execution.clone().unwrap_or_default();
    ActivityInfo {
        activity_type: start.activity_type.clone(),
        activity_id: start.activity_id.clone(),
        attempt: start.attempt,
        workflow_id: execution.workflow_id,
        workflow_run_id: execution.run_id,
        workflow_type: start.workflow_type.clone(),
        namespace: start.workflow_namespace.clone(),
        heartbeat_timeout: duration(start.heartbeat_timeout.as_ref()),
        start_to_close_timeout: duration(start.start_to_close_timeout.as_ref()),
        schedule_to_close_timeout: duration(start.schedule_to_close_timeout.as_ref()),
        scheduled_time: system_time(start.scheduled_time.as_ref()),
        started_time: system_time(start.started_time.as_ref()),
        is_local: start.is_local,
        task_token: TaskToken::from_bytes(task_token),
    }
}

/// What an attempt hears from its worker: cancellation of this attempt, and the worker's own
/// shutdown.
pub(crate) struct AttemptSignals {
    pub(crate) cancelled: CancelState,
    pub(crate) worker_shutdown: watch::Receiver<bool>,
}

/// Runs one activity task and returns the result to report. Panics fail the attempt
/// (retryable); unknown activity types fail it with the registered names. The attempt goes
/// through the worker's interceptors first, and runs in an `activity` span.
pub(crate) async fn execute(
    activities: &ActivityRegistry,
    interceptors: &Interceptors,
    task_token: Vec<u8>,
    mut start: Start,
    heartbeat: Arc<dyn Fn(ActivityHeartbeat) + Send + Sync>,
    signals: AttemptSignals,
    metrics: &WorkerMetrics,
) -> ActivityExecutionResult {
    let AttemptSignals {
        cancelled,
        worker_shutdown,
    } = signals;
    let handler = match activities.get(&start.activity_type) {
        Ok(handler) => handler,
        Err(unknown) => {
            tracing::warn!("{unknown}");
            return ActivityExecutionResult::fail(application_failure(
                failure_type::ACTIVITY_NOT_REGISTERED,
                &unknown.to_string(),
                Retry::Retryable,
                None,
            ));
        }
    };
    let meter = MetricMeter::new(
        metrics.meter.clone(),
        &[
            ("namespace", start.workflow_namespace.clone()),
            ("task_queue", metrics.task_queue.clone()),
            ("activity_type", start.activity_type.clone()),
            ("workflow_type", start.workflow_type.clone()),
        ],
        None,
    );
    let attempt = ActivityAttempt::new(
        attempt_info(&start, &task_token),
        Headers::from_fields(std::mem::take(&mut start.header_fields)),
    );
    let run = move |attempt: ActivityAttempt| {
        let (info, headers) = attempt.into_parts();
        let span = tracing::info_span!(
            "activity",
            activity_type = %info.activity_type,
            activity_id = %info.activity_id,
            attempt = info.attempt,
            workflow_id = %info.workflow_id,
        );
        let ctx = ActivityContext::for_attempt(
            info,
            headers,
            start.heartbeat_details,
            Arc::new(move |details| {
                heartbeat(ActivityHeartbeat {
                    task_token: task_token.clone(),
                    details,
                })
            }),
            cancelled.clone(),
            worker_shutdown,
            meter,
        );
        let input = start.input;
        let is_local = start.is_local;
        async move {
            let outcome = reported_once(async move { handler(ctx, input).await }).await;
            ActivityOutcome::new(match outcome {
                Ok(Ok(payload)) => ActivityExecutionResult::ok(payload),
                Ok(Err(error)) if error.is_complete_async() && !is_local => {
                    ActivityExecutionResult::will_complete_async()
                }
                Ok(Err(error)) if error.is_cancelled() || cancelled.borrow().is_some() => {
                    ActivityExecutionResult::cancel(error.into_failure())
                }
                Ok(Err(error)) => ActivityExecutionResult::fail(error.into_failure()),
                Err(panic) => ActivityExecutionResult::fail(application_failure(
                    failure_type::ACTIVITY_PANIC,
                    &format!("activity panicked: {panic}"),
                    Retry::Retryable,
                    None,
                )),
            })
        }
        .instrument(span)
        .boxed()
    };
    intercept_activity(interceptors, attempt, run)
        .await
        .into_result()
}
