//! Interceptors: user code that sees, and may change the headers of, every client call that
//! reaches a workflow, every workflow's inbound and outbound calls, and every activity
//! attempt. They add headers (a trace, an auth token), check them, log, or record metrics;
//! the OpenTelemetry tracing (`opentelemetry` feature) is one.
//!
//! Client calls and activity attempts go through a chain: each interceptor gets the call and
//! the rest of the chain (`next`), and may act before and after it, or refuse the call with an
//! error. Workflow calls are hooks: workflow code runs on the workflow's thread and must be
//! deterministic, so a workflow hook sees the event and the run, and changes only outbound
//! headers, which replay does not compare.

mod activity;
mod client;
pub(crate) mod headers;
mod workflow;

use std::sync::Arc;

use futures::future::BoxFuture;

pub(crate) use activity::intercept_activity;
pub use activity::{ActivityAttempt, ActivityNext, ActivityOutcome};
pub(crate) use client::intercept_client_call;
pub use client::{ClientCall, ClientCallKind, ClientNext, ClientReply};
pub use headers::Headers;
pub use workflow::{RunOutcome, RunView, WorkflowInbound, WorkflowOutbound, WorkflowOutboundKind};

use crate::client::error::ClientError;

/// Code that runs around client calls, workflow calls and activity attempts. Every method
/// has a default that passes the call on unchanged, so an interceptor implements only what it
/// needs. Register it on the client ([`ClientOptions::interceptor`](crate::ClientOptions::interceptor):
/// its calls, and the workers built on it) or on one worker
/// ([`Worker::interceptor`](crate::Worker::interceptor)).
///
/// ```
/// use workflow_runtime::{
///     ActivityAttempt, ActivityNext, ActivityOutcome, ClientCall, ClientError, ClientNext,
///     ClientReply, Interceptor, RunView, WorkflowOutbound,
/// };
/// use workflow_runtime::BoxFuture;
///
/// /// Sends a tenant with every call, and passes it on to the activities a workflow calls.
/// struct Tenant(String);
///
/// impl Interceptor for Tenant {
///     fn client_call<'a>(
///         &'a self,
///         mut call: ClientCall,
///         next: ClientNext<'a>,
///     ) -> BoxFuture<'a, Result<ClientReply, ClientError>> {
///         call.headers_mut().encode("tenant", &self.0).expect("a string encodes");
///         next.run(call)
///     }
///
///     fn workflow_outbound(&self, run: &RunView<'_>, call: &mut WorkflowOutbound<'_>) {
///         if let Some(tenant) = run.start_headers().get("tenant") {
///             call.headers_mut().insert("tenant", tenant.clone());
///         }
///     }
///
///     fn activity_attempt<'a>(
///         &'a self,
///         attempt: ActivityAttempt,
///         next: ActivityNext<'a>,
///     ) -> BoxFuture<'a, ActivityOutcome> {
///         tracing::info!(tenant = ?attempt.headers().decode::<String>("tenant"), "activity");
///         next.run(attempt)
///     }
/// }
/// ```
pub trait Interceptor: Send + Sync + 'static {
    /// Around a client call that reaches a workflow: start (also with a signal or an update),
    /// signal, query, update. Set headers with [`ClientCall::headers_mut`]; return an error
    /// to refuse the call.
    fn client_call<'a>(
        &'a self,
        call: ClientCall,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientReply, ClientError>> {
        next.run(call)
    }

    /// Around one activity attempt: its info and the headers the workflow sent. The outcome
    /// says whether it succeeded, failed or was cancelled.
    fn activity_attempt<'a>(
        &'a self,
        attempt: ActivityAttempt,
        next: ActivityNext<'a>,
    ) -> BoxFuture<'a, ActivityOutcome> {
        next.run(attempt)
    }

    /// A workflow run received something: its start, a signal, a query, an update; or it
    /// finished. Runs on the workflow's thread, also while history replays
    /// ([`RunView::is_replaying`]): what it records must not repeat then.
    fn workflow_inbound(&self, run: &RunView<'_>, event: &WorkflowInbound<'_>) {
        let _ = (run, event);
    }

    /// A workflow run sends something: an activity, a child workflow, a signal to another
    /// workflow, a continue-as-new. Set headers on it with [`WorkflowOutbound::headers_mut`].
    /// Runs on the workflow's thread and must be deterministic.
    fn workflow_outbound(&self, run: &RunView<'_>, call: &mut WorkflowOutbound<'_>) {
        let _ = (run, call);
    }
}

/// The interceptors of a client or a worker, outermost first.
#[derive(Clone, Default)]
pub(crate) struct Interceptors {
    chain: Arc<[Arc<dyn Interceptor>]>,
}

impl Interceptors {
    /// These, then `interceptor`.
    pub(crate) fn with(&self, interceptor: Arc<dyn Interceptor>) -> Interceptors {
        Interceptors {
            chain: self
                .chain
                .iter()
                .cloned()
                .chain(std::iter::once(interceptor))
                .collect(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.chain.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<dyn Interceptor>> {
        self.chain.iter()
    }

    fn as_slice(&self) -> &[Arc<dyn Interceptor>] {
        &self.chain
    }
}

impl std::fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} interceptor(s)", self.chain.len())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures::FutureExt;
    use temporalio_common::protos::coresdk::activity_result::ActivityExecutionResult;

    use super::*;
    use crate::activity::context::ActivityInfo;

    /// Writes its name before and after the rest of the chain.
    struct Named(&'static str, Arc<Mutex<Vec<String>>>);

    impl Interceptor for Named {
        fn activity_attempt<'a>(
            &'a self,
            attempt: ActivityAttempt,
            next: ActivityNext<'a>,
        ) -> BoxFuture<'a, ActivityOutcome> {
            async move {
                self.1
                    .lock()
                    .expect("the log")
                    .push(format!("{} in", self.0));
                let outcome = next.run(attempt).await;
                self.1
                    .lock()
                    .expect("the log")
                    .push(format!("{} out", self.0));
                outcome
            }
            .boxed()
        }
    }

    #[test]
    fn interceptors_run_in_the_order_added_the_first_outermost() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let interceptors = Interceptors::default()
            .with(Arc::new(Named("client's", Arc::clone(&log))))
            .with(Arc::new(Named("worker's", Arc::clone(&log))));
        let attempt = ActivityAttempt::new(ActivityInfo::default(), Headers::new());
        let activity_log = Arc::clone(&log);
        let outcome =
            futures::executor::block_on(intercept_activity(&interceptors, attempt, move |_| {
                async move {
                    activity_log
                        .lock()
                        .expect("the log")
                        .push("activity".to_owned());
                    ActivityOutcome::new(ActivityExecutionResult::ok(Default::default()))
                }
                .boxed()
            }));
        assert!(outcome.succeeded());
        assert_eq!(
            *log.lock().expect("the log"),
            [
                "client's in",
                "worker's in",
                "activity",
                "worker's out",
                "client's out"
            ]
        );
    }
}
