//! Metrics against the dev server: a client and its worker export core's metrics, under
//! Temporal's names, and the client's request metrics on a Prometheus endpoint; workflow and
//! activity code records its own metrics there, and a workflow's are not recorded again when
//! its run replays.

use std::time::Duration;

use tests::{PATIENCE, eventually, scrape, server_address, task_queue};
use workflow_runtime::{ClientOptions, RunningWorker, Telemetry, prelude::*};

#[activity]
async fn charge(ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
    let meter = ctx.metric_meter();
    meter.counter("charges")?.add(1);
    meter.histogram("charge_cents", "cents")?.record(cents);
    Ok(cents)
}

/// Counts itself once, charges, sleeps (a second workflow task, which replays the first on a
/// worker without a cache), and counts again.
#[derive(Default)]
pub struct Metered;

#[workflow]
impl Metered {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, cents: u64) -> WorkflowResult<u64> {
        let meter = ctx.metric_meter().with_label("channel", "web")?;
        meter.counter("orders_started")?.add(1);
        let charged = ctx
            .activity(charge, cents)
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        ctx.sleep(Duration::from_millis(10)).await?;
        meter.counter("orders_finished")?.add(1);
        meter.gauge("last_order_cents")?.set(charged as f64);
        Ok(charged)
    }
}

/// Runs `Metered` for `cents` on `queue`, then scrapes `telemetry` until the run is counted
/// as completed there.
async fn run_and_scrape(client: &Client, queue: &str, cents: u64, telemetry: &Telemetry) -> String {
    let result = client
        .execute(
            Metered::run,
            cents,
            StartOptions::new(format!("{queue}-order"), queue),
        )
        .await
        .expect("result");
    assert_eq!(result, cents);
    let on_queue = format!("task_queue=\"{queue}\"");
    eventually(PATIENCE, "the run's metrics", || async {
        let text = scrape(telemetry).await;
        match value(&text, "temporal_workflow_completed", &[&on_queue]) {
            Some(completed) if completed >= 1.0 => Ok(text),
            _ => Err("not yet"),
        }
    })
    .await
}

/// The value of the series `name` whose labels include every one of `labels`.
fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| line.starts_with(&format!("{name}{{")))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn core_client_and_user_metrics_are_served_for_prometheus() {
    let telemetry =
        Telemetry::prometheus("127.0.0.1:0".parse().expect("an address")).expect("an endpoint");
    let client = Client::connect(ClientOptions::new(server_address()).telemetry(telemetry.clone()))
        .await
        .expect("connect");
    let queue = task_queue("metrics");
    // No cache: every workflow task replays the run from the start.
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<Metered>()
            .activity(charge)
            .max_cached_workflows(0),
    );
    let text = run_and_scrape(&client, &queue, 250, &telemetry).await;
    let on_queue = format!("task_queue=\"{queue}\"");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    // Core's worker metrics, under the names Temporal's dashboards query.
    for series in [
        "temporal_workflow_task_execution_latency_bucket",
        "temporal_workflow_task_schedule_to_start_latency_bucket",
        "temporal_workflow_endtoend_latency_bucket",
        "temporal_activity_execution_latency_bucket",
        "temporal_activity_schedule_to_start_latency_bucket",
        "temporal_worker_task_slots_available",
        "temporal_num_pollers",
        "temporal_workflow_task_queue_poll_succeed",
    ] {
        assert!(
            value(&text, series, &[&on_queue]).is_some(),
            "{series} for the queue in:\n{text}"
        );
    }
    assert!(
        value(
            &text,
            "temporal_workflow_completed",
            &[&on_queue, "workflow_type=\"Metered\""]
        )
        .is_some_and(|n| n >= 1.0)
    );
    // The client's request metrics.
    assert!(
        value(
            &text,
            "temporal_request",
            &["operation=\"StartWorkflowExecution\""]
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        value(
            &text,
            "temporal_request_latency_count",
            &["operation=\"StartWorkflowExecution\""]
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("temporal_long_request{")),
        "{text}"
    );
    // User metrics: once each, although the run was replayed before its later tasks.
    let workflow_labels = [
        on_queue.as_str(),
        "workflow_type=\"Metered\"",
        "channel=\"web\"",
        "namespace=\"default\"",
    ];
    assert_eq!(
        value(&text, "orders_started", &workflow_labels),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, "orders_finished", &workflow_labels),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, "last_order_cents", &workflow_labels),
        Some(250.0),
        "{text}"
    );
    let activity_labels = [
        on_queue.as_str(),
        "activity_type=\"charge\"",
        "workflow_type=\"Metered\"",
    ];
    assert_eq!(
        value(&text, "charges", &activity_labels),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(&text, "charge_cents_count", &activity_labels),
        Some(1.0),
        "{text}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_worker_exports_to_its_own_endpoint() {
    // The client has no telemetry; the worker is given an endpoint of its own.
    let telemetry =
        Telemetry::prometheus("127.0.0.1:0".parse().expect("an address")).expect("an endpoint");
    let client = Client::connect(ClientOptions::new(server_address()))
        .await
        .expect("connect");
    let queue = task_queue("worker-metrics");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<Metered>()
            .activity(charge)
            .telemetry(telemetry.clone()),
    );
    let text = run_and_scrape(&client, &queue, 5, &telemetry).await;
    let on_queue = format!("task_queue=\"{queue}\"");
    assert!(
        value(&text, "temporal_sticky_cache_size", &[]).is_some(),
        "{text}"
    );
    assert_eq!(
        value(&text, "orders_started", &[&on_queue]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(value(&text, "charges", &[&on_queue]), Some(1.0), "{text}");
    // The client was given no endpoint: its requests are not counted here.
    assert!(
        !text
            .lines()
            .any(|line| line.starts_with("temporal_request{")),
        "{text}"
    );
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let telemetry =
        Telemetry::prometheus("127.0.0.1:0".parse().expect("an address")).expect("an endpoint");
    let taken = Telemetry::prometheus(telemetry.prometheus_address()).expect_err("in use");
    assert!(
        taken.to_string().starts_with(&format!(
            "cannot serve metrics on {}",
            telemetry.prometheus_address()
        )),
        "{taken}"
    );
    assert!(
        std::error::Error::source(&taken).is_some(),
        "keeps the bind error"
    );
}
