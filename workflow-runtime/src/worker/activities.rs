//! The activity loop: polls activity tasks, runs each as a tokio task, forwards cancellation
//! requests to running attempts, and reports each outcome to core.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
};

use temporalio_common::protos::coresdk::{
    ActivityHeartbeat, ActivityTaskCompletion,
    activity_result::{ActivityExecutionResult, activity_execution_result},
    activity_task::activity_task,
};
use temporalio_sdk_core::{PollError, Worker as CoreWorker};
use tokio::{
    sync::{mpsc, watch},
    task::JoinSet,
};

use tracing::{Dispatch, instrument::WithSubscriber};

use crate::metrics::WorkerMetrics;
use crate::payload::size::{mebibytes, payload_set_size};
use crate::{
    activity::{
        ActivityRegistry, CancellationReason,
        execute::{AttemptSignals, execute},
    },
    codec::{Codec, CodecError},
    error::{FailureEncoding, Retry, application_failure, failure_type},
    interceptor::Interceptors,
};

type RunningActivities = Arc<Mutex<HashMap<Vec<u8>, watch::Sender<Option<CancellationReason>>>>>;

/// How an attempt's outcome is prepared for the server.
pub(crate) struct Outcomes {
    /// Whether failures keep their message in the clear.
    pub(crate) failure_encoding: FailureEncoding,
    /// Decodes the task's payloads and encodes the outcome's.
    pub(crate) codec: Codec,
    /// The namespace's payload size limit, past which a result fails without retries.
    pub(crate) result_limit: Option<usize>,
}

/// Runs activity tasks until core shuts down, then waits for the running ones. `shutdown`
/// turns true when the worker starts shutting down; every attempt's context sees it.
pub(crate) async fn activity_loop(
    core: &Arc<CoreWorker>,
    activities: &Arc<ActivityRegistry>,
    interceptors: &Interceptors,
    shutdown: &watch::Receiver<bool>,
    outcomes: &Outcomes,
    metrics: &WorkerMetrics,
) -> Result<(), PollError> {
    let Outcomes {
        failure_encoding,
        codec,
        result_limit,
    } = outcomes;
    let (failure_encoding, result_limit) = (*failure_encoding, *result_limit);
    let running: RunningActivities = Arc::default();
    let mut tasks = JoinSet::new();
    let result = loop {
        let task = match core.poll_activity_task().await {
            Ok(task) => task,
            Err(PollError::ShutDown) => break Ok(()),
            Err(e) => break Err(e),
        };
        let token = task.task_token;
        match task.variant {
            Some(activity_task::Variant::Start(mut start)) => {
                let (cancel, cancelled) = watch::channel(None);
                let signals = AttemptSignals {
                    cancelled,
                    worker_shutdown: shutdown.clone(),
                };
                lock(&running).insert(token.clone(), cancel);
                let heartbeat = if start.is_local {
                    // Core keeps no heartbeats for local activities (their cancellation reaches
                    // them without one), and would warn at each.
                    Arc::new(|_| {}) as Arc<dyn Fn(ActivityHeartbeat) + Send + Sync>
                } else {
                    heartbeat_sink(core, codec)
                };
                let core = Arc::clone(core);
                let codec = codec.clone();
                let start_type = start.activity_type.clone();
                let activities = Arc::clone(activities);
                let running = Arc::clone(&running);
                let metrics = metrics.clone();
                let interceptors = interceptors.clone();
                // The loop's subscriber, which folds retry warnings (`outage.rs`), for the
                // completion; the activity's own code logs where it would anyway.
                let loop_subscriber = tracing::dispatcher::get_default(Dispatch::clone);
                tasks.spawn(async move {
                    let mut result = match codec.decode(&mut start).await {
                        Ok(()) => {
                            execute(
                                &activities,
                                &interceptors,
                                token.clone(),
                                start,
                                heartbeat,
                                signals,
                                &metrics,
                            )
                            .await
                        }
                        Err(error) => codec_failure(&start.activity_type, "decode", &error),
                    };
                    encode_failure(failure_encoding, &mut result);
                    if let Err(error) = codec.encode(&mut result).await {
                        result = codec_failure(&start_type, "encode", &error);
                    }
                    if let Some(too_large) = oversized_result(&start_type, &result, result_limit) {
                        result = too_large;
                    }
                    lock(&running).remove(&token);
                    let completion = ActivityTaskCompletion {
                        task_token: token,
                        result: Some(result),
                    };
                    let completed = core
                        .complete_activity_task(completion)
                        .with_subscriber(loop_subscriber)
                        .await;
                    if let Err(e) = completed {
                        tracing::error!("cannot complete activity task: {e}");
                    }
                });
            }
            Some(activity_task::Variant::Cancel(cancel)) => {
                let reason = CancellationReason::from_core(cancel.reason);
                tracing::debug!(?reason, "activity cancellation requested");
                if let Some(sender) = lock(&running).get(&token) {
                    // The first reason stays: it is the one the activity may already act on.
                    sender.send_if_modified(|current| {
                        let first = current.is_none();
                        if first {
                            *current = Some(reason);
                        }
                        first
                    });
                }
            }
            None => {}
        }
        while tasks.try_join_next().is_some() {}
    };
    while tasks.join_next().await.is_some() {}
    result
}

/// Where an attempt's heartbeats go: straight to core, or, with a codec, through one task per
/// attempt that encodes them in the order they were sent. Either way heartbeats stop reaching
/// core once it is gone.
fn heartbeat_sink(
    core: &Arc<CoreWorker>,
    codec: &Codec,
) -> Arc<dyn Fn(ActivityHeartbeat) + Send + Sync> {
    let weak_core: Weak<CoreWorker> = Arc::downgrade(core);
    if !codec.is_set() {
        return Arc::new(move |heartbeat| {
            if let Some(core) = weak_core.upgrade() {
                core.record_activity_heartbeat(heartbeat);
            }
        });
    }
    let (sender, mut heartbeats) = mpsc::unbounded_channel::<ActivityHeartbeat>();
    let codec = codec.clone();
    // Ends when the attempt's context, and with it the sender, is dropped.
    tokio::spawn(async move {
        while let Some(mut heartbeat) = heartbeats.recv().await {
            if let Err(error) = codec.encode(&mut heartbeat).await {
                tracing::warn!(
                    error = %crate::payload::chain_text(&error),
                    "a heartbeat was not sent: the payload codec cannot encode its details"
                );
                continue;
            }
            match weak_core.upgrade() {
                Some(core) => core.record_activity_heartbeat(heartbeat),
                None => return,
            }
        }
    });
    Arc::new(move |heartbeat| {
        // The receiver lives as long as the attempt; a send can only fail after it ended.
        let _ = sender.send(heartbeat);
    })
}

/// A failed attempt whose payloads the codec could not decode or encode. Retryable: the codec
/// may depend on a key service that comes back, and the retry policy bounds the attempts.
fn codec_failure(activity_type: &str, what: &str, error: &CodecError) -> ActivityExecutionResult {
    let message = format!(
        "activity `{activity_type}`: the payload codec cannot {what} its payloads: {}",
        crate::payload::chain_text(error)
    );
    tracing::warn!("{message}");
    ActivityExecutionResult::fail(application_failure(
        failure_type::CODEC_ERROR,
        &message,
        Retry::Retryable,
        None,
    ))
}

/// A failed attempt in place of a result over the namespace's payload size limit, which the
/// server would refuse. Not retryable, unlike core's own check (which would retry the same
/// result until the activity times out): the attempt would return the same bytes again.
fn oversized_result(
    activity_type: &str,
    result: &ActivityExecutionResult,
    limit: Option<usize>,
) -> Option<ActivityExecutionResult> {
    let limit = limit?;
    let Some(activity_execution_result::Status::Completed(done)) = &result.status else {
        return None;
    };
    let size = done.result.as_ref().map_or(0, payload_set_size);
    if size <= limit {
        return None;
    }
    let message = format!(
        "activity `{activity_type}` returned {} for its result, over this namespace's limit of {} per payload set; it is not retried, as it would return the same again. Keep large data out of Temporal: store it (a blob store, a database) and return a reference, such as its key",
        mebibytes(size),
        mebibytes(limit),
    );
    tracing::warn!("{message}");
    Some(ActivityExecutionResult::fail(application_failure(
        failure_type::PAYLOADS_TOO_LARGE,
        &message,
        Retry::NonRetryable,
        None,
    )))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The maps stay consistent even if a holder panicked: every operation is one insert/remove.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Applies the worker's failure encoding to a failed or cancelled attempt's failure.
fn encode_failure(encoding: FailureEncoding, result: &mut ActivityExecutionResult) {
    use activity_execution_result::Status;
    let failure = match &mut result.status {
        Some(Status::Failed(failed)) => failed.failure.as_mut(),
        Some(Status::Cancelled(cancelled)) => cancelled.failure.as_mut(),
        _ => None,
    };
    if let Some(failure) = failure {
        encoding.apply(failure);
    }
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::{
        coresdk::activity_result::Success, temporal::api::common::v1::Payloads,
    };

    use super::*;
    use crate::payload::encode;

    #[test]
    fn a_result_is_measured_as_the_payloads_the_server_receives() {
        let payload = encode(&"x".repeat(300)).expect("encode");
        let sent = prost::Message::encoded_len(&Payloads {
            payloads: vec![payload.clone()],
        });
        let result = ActivityExecutionResult {
            status: Some(activity_execution_result::Status::Completed(Success {
                result: Some(payload),
            })),
        };
        assert!(oversized_result("echo", &result, Some(sent)).is_none());
        assert!(oversized_result("echo", &result, Some(sent - 1)).is_some());
    }
}
