//! The worker: registers workflows and activities, polls core, runs workflow activations on
//! dedicated workflow threads and activities as tokio tasks, and shuts down gracefully.

mod activities;
pub(crate) mod core;
pub(crate) mod core_warnings;
mod error;
mod outage;
pub(crate) mod registry;
mod replay_check;
mod running;
mod shard;
pub(crate) mod single_thread;
pub(crate) mod threads;
pub(crate) mod watchdog;

pub use error::{ConfigError, WorkerError};
pub use replay_check::ReplayCheckError;
pub use running::RunningWorker;

use std::{future::Future, sync::Arc, thread, time::Duration};

use temporalio_common::telemetry::TelemetryOptions;
use temporalio_sdk_core::{CoreRuntime, RuntimeOptions, init_worker};
use tokio::sync::watch;
use tracing::instrument::WithSubscriber;

use crate::{
    activity::{ActivityContext, ActivityDefinition, ActivityFn, ActivityGroup, FreeActivity},
    client::Client,
    deployment::{DeploymentVersion, VersioningBehavior, WorkerVersioning},
    error::ActivityError,
    error::FailureEncoding,
    interceptor::{Interceptor, Interceptors},
    metrics::WorkerMetrics,
    payload::Payload,
    telemetry::Telemetry,
    worker::{
        activities::{Outcomes, activity_loop},
        core::{Both, CoreSettings, EncodeFailures, evict_through, workflow_loop},
        core_warnings::Sieved,
        error::CoreError,
        outage::{CoreTasks, FoldRetries, Reachability},
        registry::Registry,
        replay_check::{ClosedRuns, replay_closed_runs},
        threads::{RunPlace, ThreadSettings, WorkflowThreads},
        watchdog::DEFAULT_DEADLOCK_TIMEOUT,
    },
    workflow::WorkflowDefinition,
};

/// Stops a running worker gracefully: polling stops, in-flight activations finish, running
/// activities are cancelled once the graceful shutdown period is over
/// ([`Worker::graceful_shutdown_period`]) and end, then `run()` returns.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    requested: Arc<watch::Sender<bool>>,
}

impl ShutdownHandle {
    /// Requests shutdown; returns at once.
    pub fn shutdown(&self) {
        self.requested.send_replace(true);
    }
}

/// A worker on one task queue.
///
/// ```no_run
/// # use workflow_runtime::prelude::*;
/// # #[activity] async fn charge(_ctx: ActivityContext, amount: u64) -> Result<u64, ActivityError> { Ok(amount) }
/// # async fn demo(client: Client) -> Result<(), WorkerError> {
/// let worker = Worker::new(&client, "orders")
///     .activity(charge)
///     .max_concurrent_activities(50);
/// let shutdown = worker.shutdown_handle();
/// worker.run().await?; // until shutdown.shutdown() or Ctrl-C
/// # Ok(()) }
/// ```
pub struct Worker {
    client: Client,
    task_queue: String,
    registry: Registry,
    max_concurrent_workflow_tasks: usize,
    max_concurrent_activities: usize,
    max_concurrent_local_activities: usize,
    remote_activities: bool,
    eager_activities: bool,
    max_activities_per_second: Option<f64>,
    max_task_queue_activities_per_second: Option<f64>,
    max_cached_workflows: usize,
    workflow_threads: usize,
    graceful_shutdown: Duration,
    sticky_queue_timeout: Option<Duration>,
    deadlock_timeout: Option<Duration>,
    failure_encoding: FailureEncoding,
    shutdown_on_ctrl_c: bool,
    shutdown: ShutdownHandle,
    deployment: Option<DeploymentVersion>,
    default_versioning: Option<VersioningBehavior>,
    telemetry: Option<Telemetry>,
    interceptors: Interceptors,
    replay_closed_runs: bool,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("task_queue", &self.task_queue)
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker for `task_queue`, with the official SDKs' defaults: 100 concurrent workflow
    /// tasks, 100 concurrent activities, 1,000 cached workflows, running activities cancelled
    /// as soon as shutdown starts (a graceful shutdown period of 0).
    pub fn new(client: &Client, task_queue: impl Into<String>) -> Self {
        Self {
            client: client.clone(),
            task_queue: task_queue.into(),
            registry: Registry::default(),
            max_concurrent_workflow_tasks: 100,
            max_concurrent_activities: 100,
            max_concurrent_local_activities: 100,
            remote_activities: true,
            eager_activities: true,
            max_activities_per_second: None,
            max_task_queue_activities_per_second: None,
            max_cached_workflows: 1000,
            workflow_threads: thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8)),
            graceful_shutdown: Duration::ZERO,
            sticky_queue_timeout: None,
            deadlock_timeout: Some(DEFAULT_DEADLOCK_TIMEOUT),
            failure_encoding: FailureEncoding::Plain,
            shutdown_on_ctrl_c: true,
            shutdown: ShutdownHandle {
                requested: Arc::new(watch::channel(false).0),
            },
            deployment: None,
            default_versioning: None,
            telemetry: client.telemetry().cloned(),
            interceptors: client.interceptors().clone(),
            replay_closed_runs: client.replays_closed_runs(),
        }
    }

    /// Whether the worker, as it stops, replays the histories of the runs it closed against
    /// its workflow code, and fails [`run`](Self::run) with
    /// [`WorkerError::NotReplayed`] when one does not replay. On for the workers of a
    /// [`TestEnvironment`](crate::testing::TestEnvironment) (built with
    /// [`TestEnvironment::worker`](crate::testing::TestEnvironment::worker) or on its
    /// client), off otherwise; turn it off for a test that changes its workflow's behaviour
    /// between runs on purpose.
    ///
    /// ```no_run
    /// # use workflow_runtime::{prelude::*, testing::TestEnvironment};
    /// # #[derive(Default)] pub struct Flaky;
    /// # #[workflow] impl Flaky { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
    /// # async fn demo(env: TestEnvironment) {
    /// let worker = env.worker("flaky").workflow::<Flaky>().replay_closed_runs(false);
    /// # }
    /// ```
    pub fn replay_closed_runs(mut self, enabled: bool) -> Self {
        self.replay_closed_runs = enabled;
        self
    }

    /// Adds an interceptor that runs around this worker's workflow calls and activity
    /// attempts, after those of the client's options
    /// ([`ClientOptions::interceptor`](crate::ClientOptions::interceptor)) and any added
    /// earlier.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors = self.interceptors.with(Arc::new(interceptor));
        self
    }

    /// Registers a workflow type (its impl carries `#[workflow]`).
    pub fn workflow<W: WorkflowDefinition>(mut self) -> Self {
        self.registry.add_workflow::<W>();
        self
    }

    /// Registers an `#[activity]` function.
    pub fn activity<F, Args>(mut self, _activity: F) -> Self
    where
        F: ActivityFn<Args>,
        F::Definition: FreeActivity,
    {
        self.registry.activities.add_free::<F::Definition>();
        self
    }

    /// Registers the dynamic activity: it runs every activity task whose type has no
    /// implementation on this worker, as the Python, TypeScript and Go SDKs' dynamic
    /// activities do. It gets the raw arguments, which
    /// [`payload::decode`](crate::payload::decode) reads with the same converters as any
    /// activity's, and the type from [`ActivityInfo::activity_type`](crate::ActivityInfo);
    /// its result is encoded as any activity's. One per worker.
    ///
    /// ```no_run
    /// # use workflow_runtime::{prelude::*, payload::{decode, Payload}};
    /// async fn any_lookup(ctx: ActivityContext, args: Vec<Payload>) -> Result<String, ActivityError> {
    ///     let key: String = match args.first() {
    ///         Some(arg) => decode(arg)?,
    ///         None => String::new(),
    ///     };
    ///     Ok(format!("{} of {key}", ctx.info().activity_type))
    /// }
    /// # fn demo(client: &Client) {
    /// let worker = Worker::new(client, "lookups").dynamic_activity(any_lookup);
    /// # }
    /// ```
    pub fn dynamic_activity<F, Fut, T>(mut self, run: F) -> Self
    where
        F: Fn(ActivityContext, Vec<Payload>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, ActivityError>> + Send + 'static,
        T: serde::Serialize,
    {
        self.registry.activities.add_dynamic(run);
        self
    }

    /// Replaces an activity's implementation on this worker, for tests: `mock` receives the
    /// activity's input (a tuple for several arguments) and returns its result type, so a mock
    /// with the wrong signature is a compile error. It wins over the real implementation
    /// whatever the order of registration; the other activities run for real.
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// #[activity]
    /// async fn charge(_ctx: ActivityContext, cents: u64) -> Result<String, ActivityError> {
    ///     unimplemented!("calls the payment gateway")
    /// }
    /// # fn demo(client: &Client) {
    /// let worker = Worker::new(client, "payments")
    ///     .activity(charge)
    ///     .mock_activity(charge, |cents| async move { Ok(format!("mock-txn-{cents}")) });
    /// # }
    /// ```
    pub fn mock_activity<F, Args, M, Fut>(mut self, _activity: F, mock: M) -> Self
    where
        F: ActivityFn<Args>,
        M: Fn(<F::Definition as ActivityDefinition>::Input) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<<F::Definition as ActivityDefinition>::Output, ActivityError>>
            + Send
            + 'static,
    {
        self.registry
            .activities
            .add_mock::<F::Definition, M, Fut>(mock);
        self
    }

    /// Registers every activity method of a struct whose impl carries `#[activities]`.
    pub fn activities<G: ActivityGroup>(self, group: G) -> Self {
        self.shared_activities(Arc::new(group))
    }

    /// Registers the activity methods of an instance the caller keeps a handle to (to read
    /// its state, or to share it between workers).
    pub fn shared_activities<G: ActivityGroup>(mut self, group: Arc<G>) -> Self {
        group.register(&mut self.registry.activities);
        self
    }

    /// Most workflow tasks processed at once (default 100, at least 2).
    pub fn max_concurrent_workflow_tasks(mut self, n: usize) -> Self {
        self.max_concurrent_workflow_tasks = n;
        self
    }

    /// Most activities running at once (default 100).
    pub fn max_concurrent_activities(mut self, n: usize) -> Self {
        self.max_concurrent_activities = n;
        self
    }

    /// Most local activities running at once (default 100). A local activity that waits for
    /// a slot longer than its schedule-to-start timeout fails.
    pub fn max_concurrent_local_activities(mut self, n: usize) -> Self {
        self.max_concurrent_local_activities = n;
        self
    }

    /// Stops polling the task queue for activities: the worker's activities then run only as
    /// the local activities of its own workflows. Activities its workflows schedule as
    /// remote ones wait for another worker (and are never started here eagerly), as in the
    /// other SDKs' `no_remote_activities`.
    pub fn no_remote_activities(mut self) -> Self {
        self.remote_activities = false;
        self
    }

    /// Whether an activity a workflow schedules on this worker's task queue may start on this
    /// worker at once, handed over with the answer to the workflow task instead of through a
    /// poll (on by default, as in the other SDKs; a worker reserves up to 3 slots per
    /// workflow task). A single call opts out with
    /// [`ActivityOptions::disable_eager_execution`](crate::ActivityOptions::disable_eager_execution).
    pub fn eager_activity_execution(mut self, enabled: bool) -> Self {
        self.eager_activities = enabled;
        self
    }

    /// The most activities per second this worker starts (no limit by default). Setting it
    /// turns eager activity execution off on this worker, since eager starts would bypass it.
    pub fn max_activities_per_second(mut self, rate: f64) -> Self {
        self.max_activities_per_second = Some(rate);
        self
    }

    /// The most activities per second the server hands out on this task queue, to all its
    /// workers together (no limit by default). Setting it turns eager activity execution off
    /// on this worker, since eager starts would bypass it.
    pub fn max_task_queue_activities_per_second(mut self, rate: f64) -> Self {
        self.max_task_queue_activities_per_second = Some(rate);
        self
    }

    /// Workflow runs kept in memory between tasks (default 1,000). An evicted run is rebuilt by
    /// replaying its history; 0 replays every task from the start.
    pub fn max_cached_workflows(mut self, n: usize) -> Self {
        self.max_cached_workflows = n;
        self
    }

    /// Threads that run workflow code (default: the number of cores, at most 8).
    pub fn workflow_threads(mut self, n: usize) -> Self {
        self.workflow_threads = n.max(1);
        self
    }

    /// How long running activities may take to finish after shutdown starts before they are
    /// cancelled with [`CancellationReason::WorkerShutdown`](crate::CancellationReason). The
    /// default is 0, as in the Python, TypeScript, Go and .NET SDKs: they are cancelled at once.
    ///
    /// An activity learns that shutdown started through
    /// [`ctx.is_worker_shutdown()`](crate::ActivityContext::is_worker_shutdown) before the
    /// period ends, and of the cancellation through `ctx.cancelled()`, `ctx.is_cancelled()` or
    /// its next heartbeat. An attempt cancelled this way (unless it still succeeds) is reported
    /// as a retryable `WorkerShutdown` failure, so another worker retries it. The worker waits
    /// for activities that ignore the cancellation; `Duration::MAX` waits for every activity
    /// without cancelling it.
    pub fn graceful_shutdown_period(mut self, period: Duration) -> Self {
        self.graceful_shutdown = period;
        self
    }

    /// How long a workflow task may wait on this worker's sticky queue before the server hands
    /// it to any worker of the task queue (default 10 s, as in every SDK on core). A worker keeps
    /// the runs it cached on its own sticky queue; when it dies (killed, or its machine lost),
    /// their next tasks wait this long before another worker takes them over, so a shorter
    /// timeout shortens that stall, at the cost of more rebuilds of runs from history on a busy
    /// worker.
    pub fn sticky_queue_timeout(mut self, timeout: Duration) -> Self {
        self.sticky_queue_timeout = Some(timeout);
        self
    }

    /// How long one workflow activation may run before it counts as a potential deadlock
    /// (default 2 s, as in the Python SDK; Go's is 1 s); `None` turns detection off, for
    /// stepping through workflow code in a debugger.
    ///
    /// Workflow code that blocks its thread (`std::thread::sleep`, blocking I/O or locks in a
    /// helper the compile-time check cannot see, a long computation) would stall every run
    /// that shares the thread. Instead, the workflow task fails with a `[TMPRL1101] Potential
    /// deadlock detected` message naming the workflow (type, id and run id) and the code it was
    /// running (`run` or the handler), and the server retries it. The stuck thread is abandoned
    /// to finish on its own, its result discarded; a fresh thread takes over its share of the
    /// runs, and the runs cached on the stuck thread replay there (one whose task was already
    /// waiting behind the stuck one records one failed workflow task first). The stuck run
    /// then runs on a quarantine thread, shared only with other runs that got stuck, so that
    /// its retries stall no other run.
    pub fn deadlock_detection_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.deadlock_timeout = timeout;
        self
    }

    /// Whether the failures this worker reports (activity failures, workflow failures, rejected
    /// updates, failed queries, failed workflow tasks) carry their message and stack trace in
    /// the clear (the default) or encoded into the failure's `encoded_attributes`, with the
    /// message replaced by `Encoded failure`: the other SDKs' "encode common attributes"
    /// option, so the client's payload codec
    /// ([`ClientOptions::payload_codec`](crate::ClientOptions::payload_codec)) encrypts them
    /// with the rest. Every SDK's client, this one included, decodes them on arrival.
    pub fn encode_failure_attributes(mut self, enabled: bool) -> Self {
        self.failure_encoding = if enabled {
            FailureEncoding::CommonAttributes
        } else {
            FailureEncoding::Plain
        };
        self
    }

    /// Whether Ctrl-C starts a graceful shutdown (default true).
    pub fn shutdown_on_ctrl_c(mut self, enabled: bool) -> Self {
        self.shutdown_on_ctrl_c = enabled;
        self
    }

    /// Runs this worker as version `version` of a worker deployment (Temporal's worker
    /// versioning): the server sends it only the tasks of runs routed to that version. New runs
    /// go to the deployment's current version, which an operator sets
    /// ([`Client::set_current_deployment_version`]); each workflow type declares whether its
    /// runs stay on their version (`#[workflow(versioning = pinned)]`) or move to the current
    /// one (`auto_upgrade`). A workflow that declares neither needs
    /// [`default_versioning_behavior`](Self::default_versioning_behavior), or the worker
    /// refuses to start.
    ///
    /// ```no_run
    /// # use workflow_runtime::{prelude::*, DeploymentVersion, VersioningBehavior};
    /// # fn demo(client: &Client) {
    /// let worker = Worker::new(client, "orders")
    ///     .deployment(DeploymentVersion::new("orders", "2026-12-06.1"))
    ///     .default_versioning_behavior(VersioningBehavior::AutoUpgrade);
    /// # }
    /// ```
    pub fn deployment(mut self, version: DeploymentVersion) -> Self {
        self.deployment = Some(version);
        self
    }

    /// The versioning behaviour of the workflows that declare none; only with
    /// [`deployment`](Self::deployment) (without it the worker refuses to start).
    pub fn default_versioning_behavior(mut self, behavior: VersioningBehavior) -> Self {
        self.default_versioning = Some(behavior);
        self
    }

    /// Exports this worker's metrics (core's `temporal_*` worker metrics and the metrics its
    /// workflows and activities record) to `telemetry` instead of its client's. The client's
    /// own request metrics go where the client was told
    /// ([`ClientOptions::telemetry`](crate::ClientOptions::telemetry)).
    pub fn telemetry(mut self, telemetry: Telemetry) -> Self {
        self.telemetry = Some(telemetry);
        self
    }

    /// A handle that stops this worker from anywhere.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// The task queue.
    pub fn task_queue(&self) -> &str {
        &self.task_queue
    }

    fn core_settings(&self) -> CoreSettings {
        CoreSettings {
            namespace: self.client.namespace().to_owned(),
            task_queue: self.task_queue.clone(),
            identity: self.client.identity().to_owned(),
            workflows: self.registry.has_workflows(),
            activities: self.registry.has_activities() && self.remote_activities,
            // A worker runs the local activities of the workflows it runs; one registered
            // elsewhere fails here with the names this worker has.
            local_activities: self.registry.has_workflows(),
            max_cached_workflows: self.max_cached_workflows,
            max_concurrent_workflow_tasks: self.max_concurrent_workflow_tasks,
            max_concurrent_activities: Some(self.max_concurrent_activities),
            max_concurrent_local_activities: Some(self.max_concurrent_local_activities),
            // An eager start would bypass a rate limit.
            eager_activities: self.eager_activities
                && self.max_activities_per_second.is_none()
                && self.max_task_queue_activities_per_second.is_none(),
            max_activities_per_second: self.max_activities_per_second,
            max_task_queue_activities_per_second: self.max_task_queue_activities_per_second,
            graceful_shutdown: Some(self.graceful_shutdown),
            sticky_queue_timeout: self.sticky_queue_timeout,
            versioning: self.deployment.clone().map(|version| WorkerVersioning {
                version,
                default_behavior: self.default_versioning,
            }),
        }
    }

    /// Runs until shutdown is requested (handle or Ctrl-C) and in-flight work has finished.
    pub async fn run(self) -> Result<(), WorkerError> {
        self.registry.check().map_err(WorkerError::Config)?;
        if self.deployment.is_none() && self.default_versioning.is_some() {
            return Err(WorkerError::Config(
                ConfigError::VersioningWithoutDeployment,
            ));
        }
        let settings = self.core_settings();
        self.registry
            .check_versioning(settings.versioning.as_ref())
            .map_err(WorkerError::Config)?;
        if !self.registry.has_workflows() && !self.registry.has_activities() {
            return Err(WorkerError::Config(ConfigError::NothingRegistered));
        }
        if !self.remote_activities && !self.registry.has_workflows() {
            return Err(WorkerError::Config(
                ConfigError::NoRemoteActivitiesWithoutWorkflows,
            ));
        }
        for (setting, rate) in [
            ("max_activities_per_second", self.max_activities_per_second),
            (
                "max_task_queue_activities_per_second",
                self.max_task_queue_activities_per_second,
            ),
        ] {
            if let Some(rate) = rate.filter(|rate| !(rate.is_finite() && *rate > 0.0)) {
                return Err(WorkerError::Config(ConfigError::InvalidRate {
                    setting,
                    rate,
                }));
            }
        }
        let config = settings
            .config()
            .map_err(|message| WorkerError::Config(ConfigError::Refused { message }))?;
        let start_error = |source: CoreError| WorkerError::Start {
            task_queue: self.task_queue.clone(),
            source,
        };
        let runtime_options = RuntimeOptions::builder()
            .telemetry_options(
                TelemetryOptions::builder()
                    .maybe_metrics(self.telemetry.as_ref().map(Telemetry::core_meter))
                    .build(),
            )
            .heartbeat_interval(None)
            .build()
            .map_err(|message| WorkerError::Config(ConfigError::Refused { message }))?;
        // Core's pollers run on a thread of their own, where the client library's warnings
        // about retried calls are folded into one line per outage (`outage.rs`).
        let reachability = Arc::new(Reachability::default());
        let subscriber = Sieved::over_current(FoldRetries(Arc::clone(&reachability)));
        let core_tasks = CoreTasks::start(subscriber.clone()).map_err(|e| start_error(e.into()))?;
        let (runtime, core) = {
            let _entered = core_tasks.handle().enter();
            let runtime = CoreRuntime::new_assume_tokio(runtime_options)
                .map_err(|e| start_error(e.into()))?;
            let core = init_worker(&runtime, config, self.client.connection().clone())
                .map_err(|e| start_error(e.into()))?;
            (runtime, Arc::new(core))
        };
        let on_test_server = self.client.time_skipping().is_some();
        // Validation builds core's pollers, which spawn their tasks where it runs.
        let validation = core_tasks.handle().spawn({
            let core = Arc::clone(&core);
            async move {
                if on_test_server {
                    core_warnings::without_core_warning(
                        crate::foreign_text::is_heartbeat_capability_warning,
                        core.validate(),
                    )
                    .await
                } else {
                    core.validate().await
                }
            }
        });
        let validated = validation.await.map_err(|e| start_error(e.into()))?;
        let namespace = validated.map_err(|e| WorkerError::Refused {
            namespace: self.client.namespace().to_owned(),
            source: e.into(),
        })?;
        // The namespace's payload size limit, which the server enforces on results.
        let result_limit = namespace
            .limits
            .and_then(|limits| usize::try_from(limits.blob_size_limit_error).ok())
            .filter(|limit| *limit > 0);
        let registry = Arc::new(self.registry);
        tracing::info!(task_queue = %self.task_queue, namespace = %self.client.namespace(), "worker started");

        // Turns true when shutdown starts, for `ActivityContext::is_worker_shutdown`.
        let (shutting_down, shutdown_started) = watch::channel(false);
        let stop_watch = {
            let core = Arc::clone(&core);
            let mut requested = self.shutdown.requested.subscribe();
            let ctrl_c = self.shutdown_on_ctrl_c;
            tokio::spawn(async move {
                let ctrl_c_signal = async {
                    if ctrl_c {
                        if tokio::signal::ctrl_c().await.is_ok() {
                            tracing::info!("Ctrl-C received: shutting down the worker gracefully");
                        }
                    } else {
                        std::future::pending::<()>().await;
                    }
                };
                tokio::select! {
                    _ = requested.wait_for(|r| *r) => {}
                    _ = ctrl_c_signal => {}
                }
                shutting_down.send_replace(true);
                core.initiate_shutdown();
            })
        };

        let metrics = WorkerMetrics {
            meter: self.telemetry.as_ref().map(Telemetry::user_meter),
            task_queue: self.task_queue.clone(),
        };
        let threads = if registry.has_workflows() {
            Some(WorkflowThreads::start(ThreadSettings {
                count: self.workflow_threads,
                registry: Arc::clone(&registry),
                place: RunPlace {
                    namespace: self.client.namespace().to_owned(),
                    task_queue: self.task_queue.clone(),
                    meter: metrics.meter.clone(),
                    versioned: self.deployment.is_some(),
                    interceptors: self.interceptors.clone(),
                },
                deadlock_timeout: self.deadlock_timeout,
                evict: evict_through(&core),
            }))
        } else {
            None
        };
        let closed_runs = self
            .replay_closed_runs
            .then(|| Arc::new(ClosedRuns::default()));
        let workflows = async {
            match &threads {
                Some(threads) => {
                    workflow_loop(
                        &core,
                        threads,
                        Arc::new(Both(
                            EncodeFailures(self.failure_encoding),
                            closed_runs.clone(),
                        )),
                        self.client.codec(),
                        result_limit,
                    )
                    .await
                }
                None => Ok(()),
            }
        };
        let activities = async {
            if settings.activities || settings.local_activities {
                activity_loop(
                    &core,
                    &Arc::new(registry.activities.clone()),
                    &self.interceptors,
                    &shutdown_started,
                    &Outcomes {
                        failure_encoding: self.failure_encoding,
                        codec: self.client.codec().clone(),
                        result_limit,
                    },
                    &metrics,
                )
                .await
            } else {
                Ok(())
            }
        };
        let loops = async { tokio::join!(workflows, activities) };
        let (workflow_result, activity_result) = tokio::select! {
            results = loops.with_subscriber(subscriber.clone()) => results,
            never = reachability.watch(&self.client, &self.task_queue) => match never {},
        };
        let finish = async {
            if workflow_result.is_err() || activity_result.is_err() {
                core.initiate_shutdown();
            }
            core.shutdown().await;
            stop_watch.abort();
            let _ = stop_watch.await;
            drop(threads);
            match Arc::try_unwrap(core) {
                Ok(core) => core.finalize_shutdown().await,
                Err(_) => tracing::warn!("worker finalization skipped: core is still referenced"),
            }
        };
        finish.with_subscriber(subscriber).await;
        drop(runtime);
        drop(core_tasks);
        tracing::info!(task_queue = %self.task_queue, "worker stopped");
        workflow_result
            .and(activity_result)
            .map_err(|e| WorkerError::Poll(e.into()))?;
        if let Some(closed_runs) = closed_runs {
            replay_closed_runs(&closed_runs, &self.client, &registry, &self.interceptors)
                .await
                .map_err(WorkerError::NotReplayed)?;
        }
        Ok(())
    }
}
