//! A worker's activity options against a real server: no remote activities (the cross-SDK
//! scenario `eager_activity/non_remote_activities_worker`), eager activity execution on and
//! off, and activity rate limits per worker and per task queue.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::{Duration, SystemTime},
};

use tests::{PATIENCE, client, eventually, history_events, scrape, server_address, task_queue};
use workflow_runtime::{
    ClientOptions, ConfigError, RunningWorker, Telemetry, TimeoutKind, UntypedWorkflowHandle,
    WorkerError, prelude::*, protos::temporal::api::enums::v1::EventType,
};

/// Answers where it ran, counting its calls.
#[derive(Default)]
pub struct Pinged {
    calls: AtomicU32,
}

#[activities]
impl Pinged {
    #[activity]
    pub async fn ping(&self, ctx: ActivityContext) -> Result<String, ActivityError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(if ctx.info().is_local {
            "local"
        } else {
            "remote"
        }
        .to_owned())
    }
}

/// A local activity, then an activity with a 3 s schedule-to-close timeout, which must time
/// out before it starts (the features scenario's workflow, with a local activity first).
#[derive(Default)]
pub struct NonRemote;

#[workflow]
impl NonRemote {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let local = ctx
            .local_activity(Pinged::ping, ())
            .options(LocalActivityOptions::start_to_close(Duration::from_secs(5)))
            .await?;
        let remote = ctx
            .activity(Pinged::ping, ())
            .options(ActivityOptions::schedule_to_close(Duration::from_secs(3)))
            .await;
        match remote {
            Ok(ran) => Err(WorkflowError::application(
                "Unexpected",
                format!("expected the activity to time out, it ran: {ran}"),
            )),
            Err(failed) if failed.timeout_kind() == Some(TimeoutKind::ScheduleToStart) => {
                Ok(format!("{local}, then a schedule-to-start timeout"))
            }
            Err(failed) => Err(failed.into()),
        }
    }
}

#[tokio::test]
async fn a_worker_without_remote_activities_runs_none_and_the_workflow_sees_a_schedule_to_start_timeout()
 {
    let client = client().await;
    let queue = task_queue("non-remote");
    let pinged = Arc::new(Pinged::default());
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<NonRemote>()
            .shared_activities(Arc::clone(&pinged))
            .no_remote_activities(),
    );
    let handle = client
        .start(NonRemote::run, (), StartOptions::new(&queue, &queue))
        .await
        .expect("start");
    assert_eq!(
        handle.result().await.expect("result"),
        "local, then a schedule-to-start timeout"
    );
    assert_eq!(
        pinged.calls.load(Ordering::SeqCst),
        1,
        "only the local activity ran; the remote one was neither polled nor started eagerly"
    );
    let untyped = handle.untyped();
    assert!(
        history_events(untyped, EventType::ActivityTaskStarted)
            .await
            .is_empty()
    );
    assert_eq!(
        history_events(untyped, EventType::ActivityTaskTimedOut)
            .await
            .len(),
        1
    );
    worker.stop().await.expect("clean shutdown");

    // Without workflows, such a worker would have nothing to run.
    let error = Worker::new(&client, &queue)
        .shared_activities(pinged)
        .no_remote_activities()
        .run()
        .await
        .expect_err("refused");
    assert!(
        matches!(
            error,
            WorkerError::Config(ConfigError::NoRemoteActivitiesWithoutWorkflows)
        ),
        "{error}"
    );
}

/// One activity on the workflow's own queue, eager or not as asked.
#[derive(Default)]
pub struct EagerProbe;

#[workflow]
impl EagerProbe {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, disable_eager: bool) -> WorkflowResult<String> {
        let mut options = ActivityOptions::start_to_close(Duration::from_secs(10));
        if disable_eager {
            options = options.disable_eager_execution();
        }
        Ok(ctx.activity(Pinged::ping, ()).options(options).await?)
    }
}

/// How many activity tasks core received on `queue`, eagerly and through polls, from the
/// `temporal_activity_task_received` counter.
fn received(text: &str, queue: &str) -> (u64, u64) {
    let on_queue = format!("task_queue=\"{queue}\"");
    let count = |eager: &str| {
        text.lines()
            .filter(|line| line.starts_with("temporal_activity_task_received{"))
            .filter(|line| line.contains(&on_queue) && line.contains(eager))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    };
    (count("eager=\"true\""), count("eager=\"false\""))
}

#[tokio::test]
async fn eager_activity_execution_is_on_by_default_and_off_per_worker_or_per_call() {
    let telemetry =
        Telemetry::prometheus("127.0.0.1:0".parse().expect("an address")).expect("an endpoint");
    let client = Client::connect(ClientOptions::new(server_address()).telemetry(telemetry.clone()))
        .await
        .expect("connect");
    let eager = task_queue("eager-on");
    let polled = task_queue("eager-off");
    let pinged = Arc::new(Pinged::default());
    let worker = |queue: &str| {
        Worker::new(&client, queue)
            .workflow::<EagerProbe>()
            .shared_activities(Arc::clone(&pinged))
    };
    let on = RunningWorker::start(worker(&eager));
    let off = RunningWorker::start(worker(&polled).eager_activity_execution(false));
    let run = |queue: &str, id: &str, disable: bool| {
        let client = client.clone();
        let options = StartOptions::new(format!("{queue}-{id}"), queue);
        async move {
            let ran = client
                .execute(EagerProbe::run, disable, options)
                .await
                .expect("result");
            assert_eq!(ran, "remote");
        }
    };
    run(&eager, "default", false).await;
    run(&eager, "opted-out", true).await;
    run(&polled, "default", false).await;

    let (on_queue, off_queue) = eventually(PATIENCE, "three activity tasks counted", || async {
        let text = scrape(&telemetry).await;
        let counts = (received(&text, &eager), received(&text, &polled));
        match counts {
            ((a, b), (c, d)) if a + b == 2 && c + d == 1 => Ok(counts),
            _ => Err(counts),
        }
    })
    .await;
    assert_eq!(
        on_queue,
        (1, 1),
        "on by default: the first started eagerly, the opted-out call through a poll"
    );
    assert_eq!(off_queue, (0, 1), "off on the worker: through a poll");
    on.stop().await.expect("clean shutdown");
    off.stop().await.expect("clean shutdown");
}

/// Six activities at once.
#[derive(Default)]
pub struct SixPings;

#[workflow]
impl SixPings {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(30));
        let pings = (0..6).map(|_| ctx.activity(Pinged::ping, ()).options(options.clone()));
        let results = ctx.join_all(pings).await;
        Ok(results.into_iter().collect::<Result<Vec<_>, _>>()?.len())
    }
}

/// The seconds between the first and the last `ActivityTaskStarted` of a run.
async fn start_spread(handle: &UntypedWorkflowHandle) -> f64 {
    let times: Vec<SystemTime> = history_events(handle, EventType::ActivityTaskStarted)
        .await
        .iter()
        .map(|event| {
            let time = event.event_time.as_ref().expect("an event time");
            SystemTime::UNIX_EPOCH
                + Duration::new(
                    u64::try_from(time.seconds).expect("after 1970"),
                    u32::try_from(time.nanos).expect("nanoseconds"),
                )
        })
        .collect();
    assert_eq!(times.len(), 6);
    let first = times.iter().min().expect("six");
    let last = times.iter().max().expect("six");
    last.duration_since(*first).expect("ordered").as_secs_f64()
}

#[tokio::test]
async fn activity_rate_limits_per_worker_and_per_task_queue_space_out_the_starts() {
    let client = client().await;
    let pinged = Arc::new(Pinged::default());
    let limited = |queue: &str| {
        Worker::new(&client, queue)
            .workflow::<SixPings>()
            .shared_activities(Arc::clone(&pinged))
    };
    for (queue, worker) in [
        {
            let queue = task_queue("rate-worker");
            let worker = limited(&queue).max_activities_per_second(2.0);
            (queue, worker)
        },
        {
            let queue = task_queue("rate-queue");
            let worker = limited(&queue).max_task_queue_activities_per_second(2.0);
            (queue, worker)
        },
    ] {
        let worker = RunningWorker::start(worker);
        let handle = client
            .start(SixPings::run, (), StartOptions::new(&queue, &queue))
            .await
            .expect("start");
        assert_eq!(handle.result().await.expect("result"), 6);
        // Six starts at 2 per second take at least 2 s even with a burst of two.
        let spread = start_spread(handle.untyped()).await;
        assert!(spread >= 1.5, "{queue}: six starts within {spread:.2} s");
        worker.stop().await.expect("clean shutdown");
    }

    let error = Worker::new(&client, task_queue("rate-invalid"))
        .shared_activities(pinged)
        .max_activities_per_second(0.0)
        .run()
        .await
        .expect_err("refused");
    let WorkerError::Config(config @ ConfigError::InvalidRate { .. }) = &error else {
        panic!("expected an invalid rate, got {error:?}");
    };
    assert!(
        config
            .to_string()
            .contains("`max_activities_per_second(0)`: a rate limit must be a positive"),
        "{config}"
    );
}
