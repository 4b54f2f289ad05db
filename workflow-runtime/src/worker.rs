//! The worker: registers workflows and activities, polls core, runs workflow activations on
//! dedicated workflow threads and activities as tokio tasks, and shuts down gracefully.

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex, Weak, mpsc},
    thread,
    time::Duration,
};

use temporalio_common::{
    protos::coresdk::{
        ActivityTaskCompletion,
        activity_task::activity_task,
        workflow_activation::{WorkflowActivation, workflow_activation_job},
        workflow_completion::WorkflowActivationCompletion,
    },
    telemetry::TelemetryOptions,
    worker::WorkerTaskTypes,
};
use temporalio_sdk_core::{
    CoreRuntime, PollError, RuntimeOptions, Worker as CoreWorker, WorkerConfig,
    WorkerVersioningStrategy, init_worker,
};
use tokio::{
    sync::{oneshot, watch},
    task::JoinSet,
};

use crate::{
    activation::{RunInstance, RunStart, activation_time, task_failure},
    activity,
    client::Client,
    definition::{ActivityFn, ActivityGroup, FreeActivity, WorkflowDefinition},
    executor::panic_message,
    registry::Registry,
};

/// Errors that stop a worker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The worker's configuration or registrations are invalid.
    #[error("invalid worker configuration: {0}")]
    Config(String),
    /// Core could not start the worker (for example the namespace does not exist).
    #[error("cannot start the worker: {0}")]
    Start(String),
    /// Polling failed for good.
    #[error("worker polling failed: {0}")]
    Poll(String),
}

/// Stops a running worker gracefully: polling stops, in-flight activations and activities
/// finish (up to the graceful shutdown period), then `run()` returns.
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
    max_cached_workflows: usize,
    workflow_threads: usize,
    graceful_shutdown: Option<Duration>,
    shutdown_on_ctrl_c: bool,
    shutdown: ShutdownHandle,
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
    /// tasks, 100 concurrent activities, 1,000 cached workflows.
    pub fn new(client: &Client, task_queue: impl Into<String>) -> Self {
        Self {
            client: client.clone(),
            task_queue: task_queue.into(),
            registry: Registry::default(),
            max_concurrent_workflow_tasks: 100,
            max_concurrent_activities: 100,
            max_cached_workflows: 1000,
            workflow_threads: thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8)),
            graceful_shutdown: None,
            shutdown_on_ctrl_c: true,
            shutdown: ShutdownHandle {
                requested: Arc::new(watch::channel(false).0),
            },
        }
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
        self.registry.add_activity::<F::Definition>();
        self
    }

    /// Registers every activity method of a struct whose impl carries `#[activities]`.
    pub fn activities<G: ActivityGroup>(self, group: G) -> Self {
        self.shared_activities(Arc::new(group))
    }

    /// Registers the activity methods of an instance the caller keeps a handle to (to read
    /// its state, or to share it between workers).
    pub fn shared_activities<G: ActivityGroup>(mut self, group: Arc<G>) -> Self {
        group.register(&mut self.registry);
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
    /// cancelled (default: wait for them).
    pub fn graceful_shutdown_period(mut self, period: Duration) -> Self {
        self.graceful_shutdown = Some(period);
        self
    }

    /// Whether Ctrl-C starts a graceful shutdown (default true).
    pub fn shutdown_on_ctrl_c(mut self, enabled: bool) -> Self {
        self.shutdown_on_ctrl_c = enabled;
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

    fn core_config(&self) -> Result<WorkerConfig, WorkerError> {
        WorkerConfig::builder()
            .namespace(self.client.namespace())
            .task_queue(self.task_queue.clone())
            .client_identity_override(self.client.identity().to_owned())
            .task_types(WorkerTaskTypes {
                enable_workflows: self.registry.has_workflows(),
                enable_local_activities: false,
                enable_remote_activities: self.registry.has_activities(),
                enable_nexus: false,
            })
            .versioning_strategy(WorkerVersioningStrategy::None {
                build_id: String::new(),
            })
            .max_cached_workflows(self.max_cached_workflows)
            .max_outstanding_workflow_tasks(self.max_concurrent_workflow_tasks)
            .max_outstanding_activities(self.max_concurrent_activities)
            .maybe_graceful_shutdown_period(self.graceful_shutdown)
            .build()
            .map_err(WorkerError::Config)
    }

    /// Runs until shutdown is requested (handle or Ctrl-C) and in-flight work has finished.
    pub async fn run(self) -> Result<(), WorkerError> {
        self.registry.check().map_err(WorkerError::Config)?;
        if !self.registry.has_workflows() && !self.registry.has_activities() {
            return Err(WorkerError::Config(
                "nothing registered: add workflows with .workflow::<W>() or activities with .activity(f)"
                    .to_owned(),
            ));
        }
        let config = self.core_config()?;
        let runtime_options = RuntimeOptions::builder()
            .telemetry_options(TelemetryOptions::builder().build())
            .heartbeat_interval(None)
            .build()
            .map_err(WorkerError::Config)?;
        let runtime = CoreRuntime::new_assume_tokio(runtime_options)
            .map_err(|e| WorkerError::Start(e.to_string()))?;
        let core = init_worker(&runtime, config, self.client.connection().clone())
            .map_err(|e| WorkerError::Start(e.to_string()))?;
        core.validate()
            .await
            .map_err(|e| WorkerError::Start(e.to_string()))?;
        let core = Arc::new(core);
        let registry = Arc::new(self.registry);
        tracing::info!(task_queue = %self.task_queue, namespace = %self.client.namespace(), "worker started");

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
                core.initiate_shutdown();
            })
        };

        let threads = if registry.has_workflows() {
            Some(WorkflowThreads::start(
                self.workflow_threads,
                Arc::clone(&registry),
                self.client.namespace().to_owned(),
                self.task_queue.clone(),
            ))
        } else {
            None
        };
        let workflows = async {
            match &threads {
                Some(threads) => workflow_loop(&core, threads).await,
                None => Ok(()),
            }
        };
        let activities = async {
            if registry.has_activities() {
                activity_loop(&core, &registry).await
            } else {
                Ok(())
            }
        };
        let (workflow_result, activity_result) = tokio::join!(workflows, activities);
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
        tracing::info!(task_queue = %self.task_queue, "worker stopped");
        workflow_result.and(activity_result)
    }
}

type ActivationJob = (
    WorkflowActivation,
    oneshot::Sender<WorkflowActivationCompletion>,
);

/// Workflow code runs on plain OS threads, never on tokio's: a stray tokio call inside a
/// workflow then fails loudly instead of silently working. Runs are sharded by run id, and
/// each thread keeps its runs' state in its own cache.
pub(crate) struct WorkflowThreads {
    senders: Vec<mpsc::Sender<ActivationJob>>,
    handles: Vec<thread::JoinHandle<()>>,
}

impl WorkflowThreads {
    pub(crate) fn start(
        count: usize,
        registry: Arc<Registry>,
        namespace: String,
        task_queue: String,
    ) -> Self {
        let mut senders = Vec::with_capacity(count);
        let mut handles = Vec::with_capacity(count);
        for index in 0..count {
            let (sender, receiver) = mpsc::channel::<ActivationJob>();
            let registry = Arc::clone(&registry);
            let namespace = namespace.clone();
            let task_queue = task_queue.clone();
            let handle = thread::Builder::new()
                .name(format!("workflow-{index}"))
                .spawn(move || {
                    let mut runs = HashMap::new();
                    while let Ok((activation, reply)) = receiver.recv() {
                        let run_id = activation.run_id.clone();
                        let completion = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            handle_activation(
                                &mut runs,
                                &registry,
                                &namespace,
                                &task_queue,
                                activation,
                            )
                        }))
                        .unwrap_or_else(|panic| {
                            runs.remove(&run_id);
                            task_failure(
                                &run_id,
                                &format!("workflow thread panicked: {}", panic_message(&*panic)),
                            )
                        });
                        // The receiver is gone only when the worker is stopping.
                        let _ = reply.send(completion);
                    }
                });
            match handle {
                Ok(handle) => {
                    senders.push(sender);
                    handles.push(handle);
                }
                Err(e) => tracing::error!("cannot start workflow thread {index}: {e}"),
            }
        }
        Self { senders, handles }
    }

    pub(crate) fn dispatch(
        &self,
        activation: WorkflowActivation,
    ) -> oneshot::Receiver<WorkflowActivationCompletion> {
        let (reply, receiver) = oneshot::channel();
        let run_id = activation.run_id.clone();
        let mut hasher = DefaultHasher::new();
        run_id.hash(&mut hasher);
        let shard = (hasher.finish() % self.senders.len().max(1) as u64) as usize;
        match self.senders.get(shard) {
            Some(sender) => {
                if let Err(mpsc::SendError((_, reply))) = sender.send((activation, reply)) {
                    let _ = reply.send(task_failure(&run_id, "workflow thread stopped"));
                }
            }
            None => {
                let _ = reply.send(task_failure(&run_id, "no workflow thread could be started"));
            }
        }
        receiver
    }
}

impl Drop for WorkflowThreads {
    fn drop(&mut self) {
        self.senders.clear();
        for handle in self.handles.drain(..) {
            let _ = handle.join();
        }
    }
}

fn handle_activation(
    runs: &mut HashMap<String, RunInstance>,
    registry: &Registry,
    namespace: &str,
    task_queue: &str,
    activation: WorkflowActivation,
) -> WorkflowActivationCompletion {
    use workflow_activation_job::Variant;
    let run_id = activation.run_id.clone();
    let eviction = activation.jobs.iter().find_map(|job| match &job.variant {
        Some(Variant::RemoveFromCache(evict)) => Some(evict),
        _ => None,
    });
    if let Some(evict) = eviction {
        tracing::debug!(run_id = %run_id, reason = evict.reason, message = %evict.message, "evicting workflow run");
        runs.remove(&run_id);
        return WorkflowActivationCompletion::empty(run_id);
    }
    let init = activation.jobs.iter().find_map(|job| match &job.variant {
        Some(Variant::InitializeWorkflow(init)) => Some(init),
        _ => None,
    });
    if let Some(init) = init {
        match registry.workflow(&init.workflow_type) {
            Ok(start) => {
                let run = start(RunStart {
                    run_id: &run_id,
                    namespace,
                    task_queue,
                    timestamp: activation_time(&activation),
                    init,
                });
                runs.insert(run_id.clone(), run);
            }
            Err(message) => {
                tracing::warn!(run_id = %run_id, "{message}");
                return task_failure(&run_id, &message);
            }
        }
    }
    match runs.get_mut(&run_id) {
        Some(run) => run.activate(activation),
        None => task_failure(
            &run_id,
            "no cached state for this run and no InitializeWorkflow job to rebuild it",
        ),
    }
}

async fn workflow_loop(
    core: &Arc<CoreWorker>,
    threads: &WorkflowThreads,
) -> Result<(), WorkerError> {
    let mut completions = JoinSet::new();
    let result = loop {
        let activation = match core.poll_workflow_activation().await {
            Ok(activation) => activation,
            Err(PollError::ShutDown) => break Ok(()),
            Err(e) => break Err(WorkerError::Poll(e.to_string())),
        };
        let run_id = activation.run_id.clone();
        let reply = threads.dispatch(activation);
        let core = Arc::clone(core);
        completions.spawn(async move {
            let completion = reply
                .await
                .unwrap_or_else(|_| task_failure(&run_id, "workflow thread stopped"));
            if let Err(e) = core.complete_workflow_activation(completion).await {
                tracing::error!(run_id = %run_id, "cannot complete workflow activation: {e}");
            }
        });
        while completions.try_join_next().is_some() {}
    };
    while completions.join_next().await.is_some() {}
    result
}

type RunningActivities = Arc<Mutex<HashMap<Vec<u8>, watch::Sender<bool>>>>;

async fn activity_loop(
    core: &Arc<CoreWorker>,
    registry: &Arc<Registry>,
) -> Result<(), WorkerError> {
    let running: RunningActivities = Arc::default();
    let mut tasks = JoinSet::new();
    let result = loop {
        let task = match core.poll_activity_task().await {
            Ok(task) => task,
            Err(PollError::ShutDown) => break Ok(()),
            Err(e) => break Err(WorkerError::Poll(e.to_string())),
        };
        let token = task.task_token;
        match task.variant {
            Some(activity_task::Variant::Start(start)) => {
                let (cancel, cancelled) = watch::channel(false);
                lock(&running).insert(token.clone(), cancel);
                let weak_core: Weak<CoreWorker> = Arc::downgrade(core);
                let heartbeat = Arc::new(move |heartbeat| {
                    if let Some(core) = weak_core.upgrade() {
                        core.record_activity_heartbeat(heartbeat);
                    }
                });
                let core = Arc::clone(core);
                let registry = Arc::clone(registry);
                let running = Arc::clone(&running);
                tasks.spawn(async move {
                    let result =
                        activity::execute(&registry, token.clone(), start, heartbeat, cancelled)
                            .await;
                    lock(&running).remove(&token);
                    let completion = ActivityTaskCompletion {
                        task_token: token,
                        result: Some(result),
                    };
                    if let Err(e) = core.complete_activity_task(completion).await {
                        tracing::error!("cannot complete activity task: {e}");
                    }
                });
            }
            Some(activity_task::Variant::Cancel(cancel)) => {
                tracing::debug!(reason = cancel.reason, "activity cancellation requested");
                if let Some(sender) = lock(&running).get(&token) {
                    sender.send_replace(true);
                }
            }
            None => {}
        }
        while tasks.try_join_next().is_some() {}
    };
    while tasks.join_next().await.is_some() {}
    result
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The maps stay consistent even if a holder panicked: every operation is one insert/remove.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
