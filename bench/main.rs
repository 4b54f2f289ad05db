//! The benchmark workloads (W1 one activity, W2 ten activities, W3 replay of a 500-activity
//! history) with the same command line and JSON output as the official SDKs' anchors, so all
//! of them print into one table.
//!
//! ```text
//! workflow-bench load   --addr H:P --workload one|ten --n N --concurrency C [--warmup W] [--server-pid PID]
//! workflow-bench long   --addr H:P --workflow-id ID [--history-out FILE.binpb]
//! workflow-bench replay --history-pb FILE [--iters K]
//! workflow-bench evicted --addr H:P [--activities 1000] [--rounds 3]
//! workflow-bench interactive --addr H:P [--signals N] [--concurrency C] [--queries Q]
//! workflow-bench scale --addr H:P --n 10000 --workers 1|2|4 --cache 500 [--in-flight 500] [--timer-ms 30000]
//! workflow-bench panics --addr H:P [--n 3000] [--attempts 20] [--rounds 3]
//! ```
//!
//! `interactive` measures signals per second into one workflow (N signals, C in flight, each
//! adding one entry to its state) and then the latency of Q sequential queries against that
//! N-entry state: a small one (`summary`) and one returning the whole state (`entries`).

mod cache;
mod evicted;
mod panics;
mod scale;

use std::{collections::HashMap, error::Error, time::Duration, time::Instant};

use futures::StreamExt;
use prost::Message;
use workflow_runtime::{
    ActivityContext, ActivityError, ActivityOptions, Client, ClientOptions, StartOptions, Worker,
    WorkflowContext, WorkflowResult, activity,
    protos::temporal::api::history::v1::History,
    replay::{Replayer, WorkflowHistory},
    workflow,
};

type AnyResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

const TASK_QUEUE: &str = "bench";
const SDK: &str = "workflow-runtime";

/// Returns its input unchanged.
#[activity]
async fn echo(_ctx: ActivityContext, s: String) -> Result<String, ActivityError> {
    Ok(s)
}

async fn echo_chain<W>(
    ctx: &WorkflowContext<W>,
    input: String,
    steps: usize,
) -> WorkflowResult<String> {
    let options = ActivityOptions::start_to_close(Duration::from_secs(10));
    let mut value = input;
    for _ in 0..steps {
        value = ctx.activity(echo, value).options(options.clone()).await?;
    }
    Ok(value)
}

/// W1: one echo activity.
#[derive(Default)]
struct BenchOne;

#[workflow]
impl BenchOne {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        echo_chain(&ctx, input, 1).await
    }
}

/// W2: ten sequential echo activities.
#[derive(Default)]
struct BenchTen;

#[workflow]
impl BenchTen {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        echo_chain(&ctx, input, 10).await
    }
}

/// W3's history source: 500 sequential echo activities, or N for an input that ends in
/// `:activities=N` (the longer and shorter histories of `replay_scaling.sh`).
#[derive(Default)]
struct BenchLong;

#[workflow]
impl BenchLong {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        let steps = chain_length(&input);
        echo_chain(&ctx, input, steps).await
    }
}

/// The chain length a `BenchLong` input asks for.
fn chain_length(input: &str) -> usize {
    input
        .rsplit_once(":activities=")
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(500)
}

/// A mailbox that signals fill and queries read.
#[derive(Default)]
struct BenchMailbox {
    entries: Vec<String>,
    closed: bool,
}

/// What the small query returns.
#[derive(serde::Serialize, serde::Deserialize)]
struct MailboxSummary {
    count: usize,
    last: Option<String>,
}

#[workflow]
impl BenchMailbox {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        ctx.wait_condition(|s| s.closed).await?;
        Ok(ctx.state(|s| s.entries.len()))
    }

    #[signal]
    fn push(&mut self, entry: String) {
        self.entries.push(entry);
    }

    #[signal]
    fn close(&mut self) {
        self.closed = true;
    }

    #[query]
    fn summary(&self) -> MailboxSummary {
        MailboxSummary {
            count: self.entries.len(),
            last: self.entries.last().cloned(),
        }
    }

    #[query]
    fn entries(&self) -> Vec<String> {
        self.entries.clone()
    }
}

fn parse_args() -> (String, HashMap<String, String>) {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let mut map = HashMap::new();
    while let Some(key) = args.next() {
        map.insert(
            key.trim_start_matches("--").to_owned(),
            args.next().unwrap_or_default(),
        );
    }
    (mode, map)
}

fn arg<T: std::str::FromStr>(
    m: &HashMap<String, String>,
    key: &str,
    default: Option<T>,
) -> AnyResult<T> {
    match (m.get(key), default) {
        (Some(v), _) => v
            .parse()
            .map_err(|_| format!("bad value for --{key}: {v}").into()),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(format!("missing --{key}").into()),
    }
}

/// A memory figure of process `pid` ("self" allowed) in KiB: `field` of its
/// `/proc/PID/status` (`VmHWM` peak resident memory, `VmRSS` resident memory now).
fn status_kib(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Peak resident memory in MiB (`VmHWM`) of process `pid` ("self" allowed).
fn peak_rss_mib(pid: &str) -> f64 {
    // Shown to a few decimals: precision lost in the cast does not show.
    #[allow(clippy::cast_precision_loss)]
    status_kib(pid, "VmHWM").map_or(f64::NAN, |kib| kib as f64 / 1024.0)
}

/// User + system CPU seconds of process `pid` ("self" allowed), at 100 ticks per second.
fn cpu_seconds(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// Busy CPU seconds of the whole host (user, nice, system, irq, softirq, steal).
fn host_busy_seconds() -> f64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let f: Vec<f64> = s
                .lines()
                .next()?
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            Some(
                (f.first()?
                    + f.get(1)?
                    + f.get(2)?
                    + f.get(5)?
                    + f.get(6)?
                    + f.get(7).copied().unwrap_or(0.0))
                    / 100.0,
            )
        })
        .unwrap_or(f64::NAN)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Starts one workflow and waits for its result; returns the latency in ms.
async fn run_one(client: Client, workload: String, id: String) -> AnyResult<f64> {
    let options = StartOptions::new(id.clone(), TASK_QUEUE);
    let started = Instant::now();
    let out = match workload.as_str() {
        "one" => client.execute(BenchOne::run, id.clone(), options).await?,
        "ten" => client.execute(BenchTen::run, id.clone(), options).await?,
        "long" => client.execute(BenchLong::run, id.clone(), options).await?,
        other => return Err(format!("unknown workload {other}").into()),
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if out != id {
        return Err(format!("unexpected result {out:?} for {id}").into());
    }
    Ok(ms)
}

/// Runs `n` workflows with `concurrency` in flight; returns the latencies in ms.
async fn drive(
    client: &Client,
    workload: &str,
    prefix: &str,
    n: usize,
    concurrency: usize,
) -> AnyResult<Vec<f64>> {
    let mut latencies = Vec::with_capacity(n);
    let mut stream = futures::stream::iter(0..n)
        .map(|i| {
            tokio::spawn(run_one(
                client.clone(),
                workload.to_owned(),
                format!("{prefix}-{i}"),
            ))
        })
        .buffer_unordered(concurrency);
    while let Some(result) = stream.next().await {
        latencies.push(result??);
    }
    Ok(latencies)
}

fn worker(client: &Client) -> Worker {
    // The contract's tuning: 100 workflow-task slots, 100 activity slots, 1,000 cached runs
    // (this runtime's defaults).
    let worker = Worker::new(client, TASK_QUEUE)
        .workflow::<BenchOne>()
        .workflow::<BenchTen>()
        .workflow::<BenchLong>()
        .workflow::<BenchMailbox>()
        .activity(echo)
        .shutdown_on_ctrl_c(false);
    // For comparing thread counts; the default is one per core, at most 8.
    match std::env::var("BENCH_WORKFLOW_THREADS").map(|n| n.parse()) {
        Ok(Ok(n)) => worker.workflow_threads(n),
        _ => worker,
    }
}

async fn connect(addr: &str) -> AnyResult<Client> {
    let mut options =
        ClientOptions::new(addr).identity(format!("workflow-bench@{}", std::process::id()));
    // For comparing: `gzip` or `none` in place of the default (none on loopback).
    match std::env::var("BENCH_GRPC_COMPRESSION").as_deref() {
        Ok("gzip") => options = options.grpc_compression(true),
        Ok("none") => options = options.grpc_compression(false),
        _ => {}
    }
    Ok(Client::connect(options).await?)
}

async fn cmd_load(m: &HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", None)?;
    let workload: String = arg(m, "workload", None)?;
    let n: usize = arg(m, "n", None)?;
    let concurrency: usize = arg(m, "concurrency", None)?;
    let warmup: usize = arg(m, "warmup", Some(20))?;
    let server_pid: String = arg(m, "server-pid", Some(String::new()))?;
    let client = connect(&addr).await?;
    let worker = worker(&client);
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let prefix = format!("ours-{workload}-{stamp}");

    let measured = async {
        drive(
            &client,
            &workload,
            &format!("{prefix}-warm"),
            warmup,
            concurrency,
        )
        .await?;
        let server0 = if server_pid.is_empty() {
            f64::NAN
        } else {
            cpu_seconds(&server_pid)
        };
        let cpu0 = cpu_seconds("self");
        let host0 = host_busy_seconds();
        let started = Instant::now();
        let mut latencies = drive(&client, &workload, &prefix, n, concurrency).await?;
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds("self") - cpu0;
        let server = if server_pid.is_empty() {
            f64::NAN
        } else {
            cpu_seconds(&server_pid) - server0
        };
        let host = host_busy_seconds() - host0;
        latencies.sort_by(f64::total_cmp);
        AnyResult::Ok((wall, latencies, cpu, server, host))
    }
    .await;
    shutdown.shutdown();
    running.await??;
    let (wall, latencies, cpu, server, host) = measured?;
    let name = if workload == "one" {
        "W1 one-activity"
    } else {
        "W2 ten-activities"
    };
    println!(
        "{}",
        serde_json::json!({
            "sdk": SDK,
            "workload": name,
            "n": n,
            "concurrency": concurrency,
            "wall_s": wall,
            "wf_per_s": n as f64 / wall,
            "p50_ms": percentile(&latencies, 50.0),
            "p99_ms": percentile(&latencies, 99.0),
            "peak_rss_mb": peak_rss_mib("self"),
            "proc_cpu_s": cpu,
            "proc_cpu_ms_per_wf": cpu * 1000.0 / n as f64,
            "server_cpu_s": server,
            "host_busy_cpu_s": host,
        })
    );
    Ok(())
}

async fn cmd_long(m: &HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", None)?;
    let id: String = arg(m, "workflow-id", None)?;
    let client = connect(&addr).await?;
    let worker = worker(&client);
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());
    let result = run_one(client.clone(), "long".into(), id.clone()).await;
    shutdown.shutdown();
    running.await??;
    eprintln!("BenchLong {id} completed in {:.0} ms", result?);
    if let Some(out) = m.get("history-out") {
        let history = client.handle::<BenchLong>(&id).fetch_history().await?;
        let events = history.events().len();
        let bytes = History {
            events: history.into_events(),
        }
        .encode_to_vec();
        std::fs::write(out, bytes)?;
        eprintln!("history of {events} events written to {out}");
    }
    Ok(())
}

async fn cmd_replay(m: &HashMap<String, String>) -> AnyResult<()> {
    let path: String = arg(m, "history-pb", None)?;
    let iters: usize = arg(m, "iters", Some(20))?;
    // Parsed once, outside the timing, like the anchors.
    let history = WorkflowHistory::from_file(&path)?;
    let events = history.events().len();
    let replayer = Replayer::new()
        .workflow::<BenchOne>()
        .workflow::<BenchTen>()
        .workflow::<BenchLong>();
    let mut times = Vec::with_capacity(iters);
    let cpu0 = cpu_seconds("self");
    let host0 = host_busy_seconds();
    let all = Instant::now();
    for _ in 0..iters {
        let started = Instant::now();
        replayer.replay(&history).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let total = all.elapsed();
    let cpu = cpu_seconds("self") - cpu0;
    let host = host_busy_seconds() - host0;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "sdk": SDK,
            "workload": "W3 replay-500",
            "events": events,
            "iters": iters,
            "replay_ms_mean": total.as_secs_f64() * 1000.0 / iters as f64,
            "replay_ms_min": sorted.first(),
            "replay_ms_p50": percentile(&sorted, 50.0),
            "first_ms": times.first(),
            "peak_rss_mb": peak_rss_mib("self"),
            "proc_cpu_s": cpu,
            "host_busy_cpu_s": host,
        })
    );
    Ok(())
}

/// Latency in ms of `rounds` sequential calls of `call`, sorted.
async fn timed<F, Fut, T>(rounds: usize, mut call: F) -> AnyResult<Vec<f64>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, workflow_runtime::ClientError>>,
{
    let mut latencies = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        call().await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    Ok(latencies)
}

async fn cmd_interactive(m: &HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", None)?;
    let signals: usize = arg(m, "signals", Some(1000))?;
    let concurrency: usize = arg(m, "concurrency", Some(50))?;
    let queries: usize = arg(m, "queries", Some(500))?;
    let client = connect(&addr).await?;
    let worker = worker(&client);
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());
    let id = format!("bench-mailbox-{}", std::process::id());
    let handle = client
        .start(BenchMailbox::run, (), StartOptions::new(&id, TASK_QUEUE))
        .await?;
    handle.query(BenchMailbox::summary, ()).await?;

    let started = Instant::now();
    let mut sends = futures::stream::iter(0..signals)
        .map(|i| {
            let handle = handle.clone();
            async move {
                handle
                    .signal(BenchMailbox::push, format!("entry-{i:05}"))
                    .await
            }
        })
        .buffer_unordered(concurrency);
    while let Some(sent) = sends.next().await {
        sent?;
    }
    let accepted_s = started.elapsed().as_secs_f64();
    while handle.query(BenchMailbox::summary, ()).await?.count < signals {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let processed_s = started.elapsed().as_secs_f64();

    let small = timed(queries, || handle.query(BenchMailbox::summary, ())).await?;
    let full = timed(queries, || handle.query(BenchMailbox::entries, ())).await?;
    handle.signal(BenchMailbox::close, ()).await?;
    let count = handle.result().await?;
    shutdown.shutdown();
    running.await??;
    println!(
        "{}",
        serde_json::json!({
            "sdk": SDK,
            "workload": "interactive",
            "signals": signals,
            "signal_concurrency": concurrency,
            "signals_per_s_accepted": signals as f64 / accepted_s,
            "signals_per_s_processed": signals as f64 / processed_s,
            "state_entries": count,
            "queries": queries,
            "query_small_p50_ms": percentile(&small, 50.0),
            "query_small_p99_ms": percentile(&small, 99.0),
            "query_full_state_p50_ms": percentile(&full, 50.0),
            "query_full_state_p99_ms": percentile(&full, 99.0),
            "peak_rss_mb": peak_rss_mib("self"),
        })
    );
    Ok(())
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    let (mode, m) = parse_args();
    match mode.as_str() {
        "load" => cmd_load(&m).await,
        "long" => cmd_long(&m).await,
        "replay" => cmd_replay(&m).await,
        "interactive" => cmd_interactive(&m).await,
        "scale" => scale::cmd_scale(&m).await,
        "serve" => scale::cmd_serve(&m).await,
        "panics" => panics::cmd_panics(&m).await,
        "cache" => cache::cmd_cache(&m).await,
        "evicted" => evicted::cmd_evicted(&m).await,
        _ => {
            eprintln!(
                "usage: workflow-bench load|long|replay|interactive|scale|panics|cache|evicted ... (see bench/main.rs)"
            );
            std::process::exit(2);
        }
    }
}
