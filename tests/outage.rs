//! A server outage: the dev server is killed and restarted on the same port with its SQLite
//! database while a client keeps starting workflows and waiting for their results, and a
//! worker keeps running them. The client library's retries carry every call across the gap;
//! a wait for a result outlasts any outage, and `ClientOptions::retry_budget` carries other
//! calls across an outage longer than the default budget of 10 s. A worker logs an outage
//! once, and once more when the server is back, however many calls it retried meanwhile.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use tests::{PATIENCE, RunningWorker, eventually, task_queue};
use tokio::task::JoinHandle;
use workflow_runtime::{
    Client, ClientError, StartOptions, Worker,
    payload::{decode, encode},
    testing::DevServer,
};

use crate::faults::WorkerProcess;

use crate::workflows::{TimerThenEcho, echo};

/// How long the server stays down: longer than a reconnect, and with the restart, shorter than
/// the client's retry budget of 10 s per start on a loaded machine (result waits outlast any
/// outage).
const OUTAGE: Duration = Duration::from_secs(3);

/// Starts workflows one after the other until `stop` is set, and waits for each one's result
/// from the moment it started, so that waits are in flight when the server goes away. Each
/// start must succeed.
async fn keep_starting(
    client: Client,
    queue: String,
    started: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> Result<Vec<JoinHandle<(Result<String, ClientError>, Instant)>>, ClientError> {
    let mut results = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let n = results.len();
        let handle = client
            .start(
                TimerThenEcho::run,
                format!("job {n}"),
                StartOptions::new(format!("{queue}-{n}"), &queue),
            )
            .await?;
        results.push(tokio::spawn(async move {
            let result = handle.result().await;
            (result, Instant::now())
        }));
        started.fetch_add(1, Ordering::SeqCst);
        // Pacing, so the loop spans the outage with a few dozen workflows, not thousands.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(results)
}

/// Waits until at least `count` workflows were started, or the starting loop ended (with an
/// error, which the caller then reads).
async fn started_at_least<T>(started: &AtomicUsize, count: usize, starter: &JoinHandle<T>) {
    eventually(PATIENCE, &format!("{count} started workflows"), || async {
        let now = started.load(Ordering::SeqCst);
        if now >= count || starter.is_finished() {
            Ok(())
        } else {
            Err(now)
        }
    })
    .await;
}

/// A dev server of its own that keeps its state in a SQLite file, so that it can be stopped
/// and restarted; returns the file too, for the test to remove.
async fn persisted_server(name: &str) -> (DevServer, std::path::PathBuf) {
    let db_file = std::env::temp_dir().join(format!("{name}-{}.db", uuid::Uuid::new_v4()));
    let server = DevServer::builder()
        .db_file(&db_file)
        .start()
        .await
        .expect("a persisted dev server");
    (server, db_file)
}

#[tokio::test]
async fn clients_and_workers_ride_out_a_server_restart() {
    let (mut server, db_file) = persisted_server("outage").await;
    let client = server.client().await.expect("connect");
    let queue = task_queue("outage");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<TimerThenEcho>()
            .activity(echo),
    );

    let started = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let starter = tokio::spawn(keep_starting(
        client.clone(),
        queue.clone(),
        Arc::clone(&started),
        Arc::clone(&stop),
    ));
    started_at_least(&started, 3, &starter).await;

    server.stop().expect("stop the server");
    let before = started.load(Ordering::SeqCst);
    tokio::time::sleep(OUTAGE).await;
    server.restart().await.expect("restart the server");
    let restarted_at = Instant::now();
    started_at_least(&started, before + 3, &starter).await;
    stop.store(true, Ordering::SeqCst);

    let results = starter
        .await
        .expect("the starting task")
        .expect("every start succeeds across the outage");
    assert!(results.len() >= before + 3, "{} started", results.len());
    let total = results.len();
    let mut first_after_restart: Option<Duration> = None;
    for (n, result) in results.into_iter().enumerate() {
        let (result, finished_at) = tokio::time::timeout(PATIENCE, result)
            .await
            .unwrap_or_else(|_| panic!("workflow {n} finishes"))
            .expect("the waiting task");
        let result =
            result.unwrap_or_else(|e| panic!("the wait for workflow {n} outlives the outage: {e}"));
        assert_eq!(result, format!("job {n}"));
        if let Some(after) = finished_at.checked_duration_since(restarted_at) {
            first_after_restart = Some(first_after_restart.map_or(after, |first| first.min(after)));
        }
    }
    println!(
        "outage: server down {OUTAGE:?}; {total} workflows, {before} started before the outage, all completed; \
         the first completion came {:.1?} after the restarted server answered",
        first_after_restart.unwrap_or_default()
    );
    worker
        .stop()
        .await
        .expect("the worker survives and shuts down cleanly");
    drop(server);
    let _ = std::fs::remove_file(&db_file);
}

#[tokio::test]
async fn a_result_wait_outlasts_an_outage_longer_than_the_retry_budget() {
    let (mut server, db_file) = persisted_server("long-outage").await;
    let client = server.client().await.expect("connect");
    let queue = task_queue("long-outage");
    // Started with no worker polling: the run waits on the server through the outage.
    let handle = client
        .start(
            TimerThenEcho::run,
            "after the outage".to_owned(),
            StartOptions::new(format!("{queue}-wf"), &queue),
        )
        .await
        .expect("start");
    let waiting = tokio::spawn(async move { handle.result().await });

    server.stop().expect("stop the server");
    // Past the client library's budget of 10 s for one call.
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert!(!waiting.is_finished(), "the wait gave up during the outage");
    server.restart().await.expect("restart the server");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<TimerThenEcho>()
            .activity(echo),
    );
    let result = tokio::time::timeout(PATIENCE, waiting)
        .await
        .expect("the wait ends once the run does")
        .expect("the waiting task")
        .expect("the result, after the outage");
    assert_eq!(result, "after the outage");
    worker.stop().await.expect("the worker shuts down cleanly");
    drop(server);
    let _ = std::fs::remove_file(&db_file);
}

#[tokio::test]
async fn a_longer_retry_budget_carries_a_start_across_a_long_outage() {
    let (mut server, db_file) = persisted_server("budget-outage").await;
    let client = Client::connect(
        server
            .client_options()
            .retry_budget(Duration::from_secs(90)),
    )
    .await
    .expect("connect");
    let queue = task_queue("budget-outage");
    server.stop().expect("stop the server");
    // Sent while the server is down, and kept retrying past the default budget of 10 s.
    let starting = tokio::spawn({
        let (client, queue) = (client.clone(), queue.clone());
        async move {
            client
                .start(
                    TimerThenEcho::run,
                    "sent during the outage".to_owned(),
                    StartOptions::new(format!("{queue}-wf"), &queue),
                )
                .await
        }
    });
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert!(
        !starting.is_finished(),
        "the start gave up during the outage"
    );
    server.restart().await.expect("restart the server");
    let handle = tokio::time::timeout(PATIENCE, starting)
        .await
        .expect("the start ends once the server is back")
        .expect("the starting task")
        .expect("the start, after the outage");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<TimerThenEcho>()
            .activity(echo),
    );
    assert_eq!(
        handle.result().await.expect("the result"),
        "sent during the outage"
    );
    worker.stop().await.expect("the worker shuts down cleanly");
    drop(server);
    let _ = std::fs::remove_file(&db_file);
}

/// Long enough for each of the worker's pollers to be retried past the client library's sixth
/// attempt (about 6 s of backoff), where it starts warning.
const LOGGED_OUTAGE: Duration = Duration::from_secs(15);

#[tokio::test]
async fn a_worker_logs_an_outage_once_and_once_more_when_the_server_answers_again() {
    let (mut server, db_file) = persisted_server("logged-outage").await;
    let client = server.client().await.expect("connect");
    let queue = task_queue("logged-outage");
    let mut worker = WorkerProcess::start_at(
        server.address(),
        &queue,
        1_000,
        &[("RUST_LOG", "warn,workflow_runtime=info")],
    )
    .await;
    let job = |n: u32| {
        let client = client.clone();
        let queue = queue.clone();
        async move {
            let handle = client
                .start_untyped(
                    "FaultJob",
                    vec![encode(&n).expect("encode")],
                    StartOptions::new(format!("{queue}-{n}"), &queue),
                )
                .await
                .expect("start");
            let result = handle.result_payloads().await.expect("result");
            decode::<u32>(&result[0]).expect("decode")
        }
    };
    assert_eq!(job(1).await, 10);

    server.stop().expect("stop the server");
    tokio::time::sleep(LOGGED_OUTAGE).await;
    server.restart().await.expect("restart the server");
    assert_eq!(job(2).await, 20, "the worker serves again");
    let back = eventually(
        PATIENCE,
        "the line saying the server answers again",
        || async {
            match worker.logged("answers the worker again").as_slice() {
                [line] => Ok(line.clone()),
                lines => Err(format!("{lines:?}")),
            }
        },
    )
    .await;
    worker.kill().await;

    let outage = worker.logged("does not answer the worker");
    assert_eq!(outage.len(), 1, "one warning for the outage: {outage:?}");
    let library_warnings = worker.logged("temporalio_client::retry");
    assert!(
        library_warnings.is_empty(),
        "the client library's retry warnings are folded: {library_warnings:?}"
    );
    // "...; N more warnings about retried calls were not logged"
    let folded: u64 = back
        .split("; ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of folded warnings in {back:?}"));
    assert!(
        folded >= 1,
        "the outage was long enough for more than one retry warning: {back}"
    );
    println!(
        "outage log: server down {LOGGED_OUTAGE:?}; the worker logged 1 warning and 1 line on recovery, \
         folding {folded} more retry warnings; 0 lines from the client library's retries"
    );
    drop(server);
    let _ = std::fs::remove_file(&db_file);
}
