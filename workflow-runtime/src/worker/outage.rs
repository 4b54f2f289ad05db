//! A server outage in a worker's log: one warning when calls start failing for good, and one
//! line when the server answers again.
//!
//! While the server is down, the client library retries each call with backoff and warns at
//! every retry from the sixth on (as an error from the sixteenth), for each poller: a 20 s
//! outage gave 21 warnings, and a long one gives a warning every 10 s per poller for as long
//! as it lasts. A worker folds them: the first becomes one warning that names the worker, the
//! rest are counted, and the worker probes the server once a second (one attempt each, no
//! retries) until it answers, then logs how long it was gone and how many warnings it folded.
//!
//! Folding needs to see the events of core's pollers, which run as tasks of their own and log
//! to whatever subscriber is the default where they are polled. The worker therefore runs
//! core's background tasks on a [`CoreTasks`] runtime of one thread whose default subscriber
//! is [`FoldRetries`] over the subscriber in place where `Worker::run` was called; the worker's
//! own loops, which complete tasks through the same client library, run under it too. The
//! warning itself is logged by [`Reachability::watch`], which runs beside the loops: a
//! subscriber cannot log while it handles an event.

use std::{
    cell::RefCell,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use temporalio_client::{RetryOptions, request_extensions::RetryConfigForCall, tonic::Request};
use temporalio_common::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;
use tokio::sync::Notify;
use tracing::{Dispatch, Event, dispatcher::DefaultGuard};

use super::core_warnings::{Message, Sieve};
use crate::{client::Client, foreign_text::is_retry_warning};

/// How often a worker that saw its calls fail asks whether the server answers again.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// How long one probe waits for the answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the server answers a worker's calls, as its retries and probes tell.
#[derive(Debug, Default)]
pub(crate) struct Reachability {
    state: Mutex<State>,
    /// Woken when an outage starts, for the probe.
    lost: Notify,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
enum State {
    #[default]
    Answering,
    Unreachable {
        since: Instant,
        /// The warning that started the outage, with its error.
        first: Arc<str>,
        /// Retry warnings folded since the one that started the outage.
        folded: u64,
    },
}

/// An outage that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outage {
    /// From the first retry warning to the answer.
    pub(crate) lasted: Duration,
    /// Retry warnings not logged.
    pub(crate) folded: u64,
}

impl Reachability {
    /// The client library warned at `now` that it retries a call again: true when this starts
    /// an outage, which [`Reachability::watch`] then logs with `warning`; otherwise the warning
    /// is counted as folded.
    pub(crate) fn call_retried(&self, now: Instant, warning: impl FnOnce() -> String) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *state {
            State::Answering => {
                *state = State::Unreachable {
                    since: now,
                    first: warning().into(),
                    folded: 0,
                };
                self.lost.notify_one();
                true
            }
            State::Unreachable { folded, .. } => {
                *folded += 1;
                false
            }
        }
    }

    /// The server answered at `now`: the outage this ends, if one was going on.
    pub(crate) fn answered(&self, now: Instant) -> Option<Outage> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match std::mem::take(&mut *state) {
            State::Answering => None,
            State::Unreachable { since, folded, .. } => Some(Outage {
                lasted: now.saturating_duration_since(since),
                folded,
            }),
        }
    }

    /// The warning that started the outage going on, if one is.
    fn first_warning(&self) -> Option<Arc<str>> {
        match &*self.state.lock().unwrap_or_else(|e| e.into_inner()) {
            State::Answering => None,
            State::Unreachable { first, .. } => Some(Arc::clone(first)),
        }
    }

    /// Logs each outage as it starts, probes the server until it answers, and logs the end of
    /// the outage; runs until dropped.
    pub(crate) async fn watch(
        &self,
        client: &Client,
        task_queue: &str,
    ) -> std::convert::Infallible {
        let mut probes = tokio::time::interval(PROBE_INTERVAL);
        probes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.lost.notified().await;
            if let Some(first) = self.first_warning() {
                tracing::warn!(
                    task_queue,
                    namespace = client.namespace(),
                    "the Temporal server does not answer the worker ({first}); the worker keeps \
                     retrying, and logs once more when the server answers again",
                );
            }
            probes.reset();
            loop {
                probes.tick().await;
                if answers(client).await {
                    break;
                }
            }
            if let Some(outage) = self.answered(Instant::now()) {
                tracing::info!(
                    task_queue,
                    namespace = client.namespace(),
                    "the Temporal server answers the worker again after {:.1?}; {} more warnings \
                     about retried calls were not logged",
                    outage.lasted,
                    outage.folded,
                );
            }
        }
    }
}

/// Whether the server answers one `GetSystemInfo` call, without the client library's retries
/// (which would log each failure).
async fn answers(client: &Client) -> bool {
    let mut request = Request::new(GetSystemInfoRequest::default());
    request
        .extensions_mut()
        .insert(RetryConfigForCall(RetryOptions::no_retries()));
    request.set_timeout(PROBE_TIMEOUT);
    client.service().get_system_info(request).await.is_ok()
}

/// Folds the client library's warnings about retried calls into the [`Reachability`] they
/// tell of, which logs one warning per outage.
pub(crate) struct FoldRetries(pub(crate) Arc<Reachability>);

impl Sieve for FoldRetries {
    fn passes(&self, event: &Event<'_>) -> bool {
        let metadata = event.metadata();
        if *metadata.level() > tracing::Level::WARN
            || !metadata.target().starts_with("temporalio_client")
        {
            return true;
        }
        let message = Message::of(event);
        if !is_retry_warning(&message.text) {
            return true;
        }
        self.0.call_retried(Instant::now(), || match message.error {
            Some(error) => format!("{}: {error}", message.text),
            None => message.text.clone(),
        });
        false
    }
}

thread_local! {
    /// The default subscriber of a [`CoreTasks`] thread, kept for the thread's life.
    static TASKS_SUBSCRIBER: RefCell<Option<DefaultGuard>> = const { RefCell::new(None) };
}

/// A runtime of one thread for core's background tasks (its pollers above all), whose events
/// go to `subscriber`.
pub(crate) struct CoreTasks {
    handle: tokio::runtime::Handle,
    /// Taken only on drop.
    runtime: Option<tokio::runtime::Runtime>,
}

impl CoreTasks {
    pub(crate) fn start(subscriber: Dispatch) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("temporal-core-tasks")
            .enable_all()
            .on_thread_start(move || {
                let guard = tracing::dispatcher::set_default(&subscriber);
                TASKS_SUBSCRIBER.with(|kept| *kept.borrow_mut() = Some(guard));
            })
            .on_thread_stop(|| {
                TASKS_SUBSCRIBER.with(|kept| kept.borrow_mut().take());
            })
            .build()?;
        Ok(Self {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }

    /// Where to spawn core's tasks, or enter to build core's worker.
    pub(crate) fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }
}

impl Drop for CoreTasks {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its threads stop, which panics inside the async
        // `Worker::run`; by now core's tasks have finished, so nothing waits on the thread.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_reported_once_and_its_end_once_with_the_warnings_folded() {
        let reachability = Reachability::default();
        let start = Instant::now();
        assert_eq!(reachability.answered(start), None, "no outage yet");
        assert!(
            reachability.call_retried(start, || "first".into()),
            "the first warning starts it"
        );
        assert_eq!(reachability.first_warning().as_deref(), Some("first"));
        for _ in 0..20 {
            assert!(!reachability.call_retried(start + Duration::from_secs(5), || "later".into()));
        }
        let outage = reachability.answered(start + Duration::from_secs(20));
        assert_eq!(
            outage,
            Some(Outage {
                lasted: Duration::from_secs(20),
                folded: 20
            })
        );
        assert_eq!(reachability.answered(start + Duration::from_secs(21)), None);
        assert_eq!(reachability.first_warning(), None);
        assert!(
            reachability.call_retried(start + Duration::from_secs(30), String::new),
            "a later outage is reported again"
        );
    }

    /// Collects the levels and messages of the events it sees.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<(tracing::Level, String)>>>);

    impl tracing::Subscriber for Seen {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &Event<'_>) {
            self.0
                .lock()
                .expect("seen")
                .push((*event.metadata().level(), Message::of(event).text));
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn the_client_library_s_retry_warnings_are_folded_into_the_outage() {
        let seen = Seen::default();
        let reachability = Arc::new(Reachability::default());
        let sieved = super::super::core_warnings::Sieved::over(
            Dispatch::new(seen.clone()),
            FoldRetries(Arc::clone(&reachability)),
        );
        tracing::dispatcher::with_default(&sieved, || {
            for attempt in 6..=20 {
                let error = "status: Unavailable";
                if attempt > 15 {
                    tracing::error!(target: "temporalio_client::retry", error, "gRPC call poll_workflow_task_queue retried {attempt} times");
                } else {
                    tracing::warn!(target: "temporalio_client::retry", error, "gRPC call poll_workflow_task_queue retried {attempt} times");
                }
            }
            tracing::warn!(target: "temporalio_client::retry", "something else");
            tracing::warn!(target: "user_code", "gRPC call mine retried 9 times");
        });
        let seen = seen.0.lock().expect("seen").clone();
        assert_eq!(
            seen,
            [
                (tracing::Level::WARN, "something else".to_owned()),
                (
                    tracing::Level::WARN,
                    "gRPC call mine retried 9 times".to_owned()
                )
            ]
        );
        assert_eq!(
            reachability.first_warning().as_deref(),
            Some("gRPC call poll_workflow_task_queue retried 6 times: \"status: Unavailable\"")
        );
        let outage = reachability.answered(Instant::now()).expect("an outage");
        assert_eq!(outage.folded, 14);
    }
}
