//! Load and scale-out: `scale` starts N workflows at once against worker processes with a
//! bounded cache and reports wall time, each process's peak RSS and CPU, and the evictions and
//! cache misses (runs rebuilt from history) core counted. `serve` is one such worker process.
//!
//! ```text
//! workflow-bench scale --addr H:P --n 10000 --workers 1 --cache 500 [--in-flight 500] [--timer-ms 30000]
//! workflow-bench serve --addr H:P --queue Q --cache C
//! ```
//!
//! Each `ScaleJob` sleeps on a durable timer (`--timer-ms`, 30 s by default), then runs one
//! activity: with more runs open at once than the cache holds, runs are evicted while their
//! timer runs and replayed from history when it fires, which is what a bounded cache costs.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures::StreamExt;
use workflow_runtime::{
    ActivityContext, ActivityError, ActivityOptions, Client, ClientOptions, StartOptions,
    Telemetry, Worker, WorkflowContext, WorkflowResult, activity, workflow,
};

use crate::{AnyResult, arg};

/// Returns its input plus one.
#[activity]
async fn scale_step(_ctx: ActivityContext, n: u64) -> Result<u64, ActivityError> {
    Ok(n + 1)
}

/// Waits on a timer of `timer_ms`, then runs one activity.
#[derive(Default)]
struct ScaleJob;

#[workflow]
impl ScaleJob {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, n: u64, timer_ms: u64) -> WorkflowResult<u64> {
        ctx.sleep(Duration::from_millis(timer_ms)).await?;
        Ok(ctx
            .activity(scale_step, n)
            .options(ActivityOptions::start_to_close(Duration::from_secs(60)))
            .await?)
    }
}

/// One worker process: serves `ScaleJob` with a bounded cache, its metrics on a free port.
/// Prints `ready <metrics address>`, then serves until killed.
pub async fn cmd_serve(m: &std::collections::HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", Some("127.0.0.1:7233".to_owned()))?;
    let queue: String = arg(m, "queue", None)?;
    let cache: usize = arg(m, "cache", Some(500))?;
    let telemetry = Telemetry::prometheus("127.0.0.1:0".parse()?)?;
    let metrics = telemetry.prometheus_address();
    let client = Client::connect(ClientOptions::new(addr).telemetry(telemetry)).await?;
    let worker = Worker::new(&client, queue)
        .workflow::<ScaleJob>()
        .activity(scale_step)
        .max_cached_workflows(cache)
        .max_concurrent_activities(200);
    println!("ready {metrics}");
    worker.run().await?;
    Ok(())
}

/// A `serve` process and where its metrics are.
struct WorkerProcess {
    child: Child,
    metrics: String,
}

impl WorkerProcess {
    fn start(addr: &str, queue: &str, cache: usize) -> AnyResult<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["serve", "--addr", addr, "--queue", queue])
            .args(["--cache", &cache.to_string()])
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let metrics = line
            .trim()
            .strip_prefix("ready ")
            .ok_or_else(|| format!("the worker process said {line:?}"))?
            .to_owned();
        Ok(Self { child, metrics })
    }

    /// Peak resident memory in MiB (`VmHWM`).
    fn peak_rss_mib(&self) -> f64 {
        crate::peak_rss_mib(&self.child.id().to_string())
    }

    /// User and system CPU seconds so far.
    fn cpu_seconds(&self) -> f64 {
        crate::cpu_seconds(&self.child.id().to_string())
    }

    /// The sum of a counter core exports, over its labels.
    async fn counter(&self, name: &str) -> f64 {
        let Ok(text) = http_get(&self.metrics, "/metrics").await else {
            return f64::NAN;
        };
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .filter(|line| {
                let metric = line.split(['{', ' ']).next().unwrap_or_default();
                metric == name || metric == format!("{name}_total")
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .fold(0.0, |total, value| total + value)
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.0 GET, enough for a Prometheus endpoint.
async fn http_get(address: &str, path: &str) -> AnyResult<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    Ok(response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_owned()))
}

/// Starts `n` workflows at once (`in_flight` starts and result waits at a time) on `workers`
/// processes with a cache of `cache` runs each, and prints the figures as one JSON line.
pub async fn cmd_scale(m: &std::collections::HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", Some("127.0.0.1:7233".to_owned()))?;
    let n: u64 = arg(m, "n", Some(10_000))?;
    let workers: usize = arg(m, "workers", Some(1))?;
    let cache: usize = arg(m, "cache", Some(500))?;
    let in_flight: usize = arg(m, "in-flight", Some(500))?;
    let timer_ms: u64 = arg(m, "timer-ms", Some(30_000))?;
    let queue = format!(
        "scale-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis()
    );
    let processes = (0..workers)
        .map(|_| WorkerProcess::start(&addr, &queue, cache))
        .collect::<AnyResult<Vec<_>>>()?;
    let client = Client::connect(ClientOptions::new(&addr)).await?;

    let started = Instant::now();
    let mut handles = Vec::with_capacity(usize::try_from(n)?);
    let mut starts = futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            let queue = queue.clone();
            async move {
                client
                    .start(
                        ScaleJob::run,
                        (i, timer_ms),
                        StartOptions::new(format!("{queue}-{i}"), &queue),
                    )
                    .await
            }
        })
        .buffer_unordered(in_flight);
    while let Some(handle) = starts.next().await {
        handles.push(handle?);
    }
    let all_started = started.elapsed();
    let mut results = futures::stream::iter(handles)
        .map(|handle| async move { handle.result().await })
        .buffer_unordered(in_flight);
    let mut completed = 0_u64;
    while let Some(result) = results.next().await {
        result?;
        completed += 1;
    }
    let wall = started.elapsed();

    let mut per_worker = Vec::new();
    for process in &processes {
        per_worker.push(serde_json::json!({
            "peak_rss_mib": process.peak_rss_mib(),
            "cpu_s": process.cpu_seconds(),
            "evictions": process.counter("temporal_sticky_cache_total_forced_eviction").await,
            "cache_misses": process.counter("temporal_sticky_cache_miss").await,
            "cache_hits": process.counter("temporal_sticky_cache_hit").await,
        }));
    }
    let cpu_total: f64 = processes.iter().map(WorkerProcess::cpu_seconds).sum();
    #[allow(clippy::cast_precision_loss)]
    let per_workflow_ms = cpu_total * 1000.0 / completed as f64;
    #[allow(clippy::cast_precision_loss)]
    let throughput = completed as f64 / wall.as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "sdk": crate::SDK,
            "workload": "scale",
            "n": n,
            "completed": completed,
            "workers": workers,
            "cache": cache,
            "timer_ms": timer_ms,
            "wall_s": wall.as_secs_f64(),
            "all_started_s": all_started.as_secs_f64(),
            "wf_per_s": throughput,
            "worker_cpu_ms_per_wf": per_workflow_ms,
            "per_worker": per_worker,
        })
    );
    Ok(())
}
