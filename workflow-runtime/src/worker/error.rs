//! The errors that stop a worker.

/// Errors core reports, kept whole as the source of a [`WorkerError`].
pub(crate) type CoreError = Box<dyn std::error::Error + Send + Sync>;

/// Errors that stop a worker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerError {
    /// The worker's registrations or limits are invalid; the error says which and what to do.
    #[error("invalid worker configuration")]
    Config(#[source] ConfigError),
    /// Core could not create the worker.
    #[error("cannot start the worker for task queue `{task_queue}`")]
    Start {
        /// The task queue.
        task_queue: String,
        /// Core's error.
        #[source]
        source: CoreError,
    },
    /// The server refused the worker, for example because the namespace does not exist.
    #[error("the server refused a worker for namespace `{namespace}`")]
    Refused {
        /// The namespace.
        namespace: String,
        /// Core's error, with the server's status.
        #[source]
        source: CoreError,
    },
    /// Polling failed for good.
    #[error("worker polling failed")]
    Poll(#[source] CoreError),
    /// Runs this worker closed do not replay against its workflow code: the check of a test
    /// worker as it stops ([`Worker::replay_closed_runs`](super::Worker::replay_closed_runs)).
    #[error("the runs this worker closed were replayed as it stopped, and some diverged")]
    NotReplayed(#[source] super::ReplayCheckError),
    /// The background task of a [`RunningWorker`](super::RunningWorker) panicked or was cancelled.
    #[error("the worker's background task ended abnormally")]
    Task(#[source] tokio::task::JoinError),
}

/// What is wrong with a worker's configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Two registrations share a wire name.
    #[error(
        "registered twice: {} (each wire name must be unique per worker; rename one with `name = \"...\"`)",
        .names.join(", ")
    )]
    RegisteredTwice {
        /// The names, as `workflow `x`` or `activity `y``.
        names: Vec<String>,
    },
    /// The worker has neither workflows nor activities.
    #[error(
        "nothing registered: add workflows with .workflow::<W>() or activities with .activity(f)"
    )]
    NothingRegistered,
    /// A worker that uses worker versioning, with no default behaviour, registers a workflow
    /// that declares none: its runs would have no rule for moving between versions.
    #[error(
        "workflow `{workflow}` declares no versioning behaviour, and worker versioning is on with \
         no default: add `#[workflow(versioning = pinned)]` or `versioning = auto_upgrade` to it, \
         or give the worker `.default_versioning_behavior(..)`"
    )]
    NoVersioningBehavior {
        /// The workflow's wire name.
        workflow: &'static str,
    },
    /// A default versioning behaviour was given to a worker that runs no deployment version.
    #[error(
        "a default versioning behaviour needs a deployment version: add \
         .deployment(DeploymentVersion::new(name, build_id)) to the worker"
    )]
    VersioningWithoutDeployment,
    /// An activity rate limit that is not a positive, finite number of activities per second.
    #[error(
        "`{setting}({rate})`: a rate limit must be a positive, finite number of activities per \
         second; leave it unset for no limit"
    )]
    InvalidRate {
        /// The worker method, as `max_activities_per_second`.
        setting: &'static str,
        /// The rate given.
        rate: f64,
    },
    /// Remote activities were switched off on a worker that runs no workflows, which would
    /// have nothing to run.
    #[error(
        "`no_remote_activities()` on a worker without workflows leaves it nothing to run: \
         its activities run only as the local activities of its own workflows"
    )]
    NoRemoteActivitiesWithoutWorkflows,
    /// Core refused a setting (a limit out of range); core gives its reason as text only.
    #[error("core refused the worker's settings: {message}")]
    Refused {
        /// Core's reason.
        message: String,
    },
}
