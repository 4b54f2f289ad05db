//! The `cache` workload written with the official Rust SDK (temporalio-sdk 1.1.1), the twin of
//! `bench/cache.rs`: a worker in this process whose cache holds every run parks `n` runs (each
//! builds a state of `--state-kib` KiB, then waits for a signal that never comes), queries
//! each to make sure it is cached, and prints the resident memory before and after, and the
//! difference per run.
//!
//! `cache_compare.sh` copies this file into a copy of the official anchor (under its run
//! folder, never committed) and adds the `cache` command to that copy's `main.rs`.

use std::{collections::HashMap, time::Instant};

use futures::StreamExt;
use temporalio_client::{Client, WorkflowQueryOptions, WorkflowStartOptions};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    Runtime, SyncWorkflowContext, Worker, WorkerOptions, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

use crate::{AnyResult, arg, connect};

/// A run that holds `state_kib` KiB of state and waits.
#[workflow]
#[derive(Default)]
pub struct Parked {
    state: Vec<u8>,
    released: bool,
}

#[workflow_methods]
impl Parked {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, state_kib: usize) -> WorkflowResult<usize> {
        // Non-zero bytes, so the pages are really taken.
        ctx.state_mut(|s| s.state = vec![7; state_kib * 1024]);
        ctx.wait_condition(|s| s.released).await?;
        Ok(ctx.state(|s| s.state.len()))
    }

    #[query]
    pub fn held(&self, _ctx: &WorkflowContextView) -> usize {
        self.state.len()
    }

    #[signal]
    pub fn release(&mut self, _ctx: &mut SyncWorkflowContext<Self>) {
        self.released = true;
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

/// Starts `ids` and queries each once it started, `concurrency` at a time.
async fn park(
    client: &Client,
    queue: &str,
    ids: Vec<String>,
    state_kib: usize,
    concurrency: usize,
) -> AnyResult<()> {
    let results: Vec<AnyResult<()>> = futures::stream::iter(ids)
        .map(|id| async move {
            let handle = client
                .start_workflow(
                    Parked::run,
                    state_kib,
                    WorkflowStartOptions::new(queue, id.clone()).build(),
                )
                .await?;
            let held = handle
                .query(Parked::held, (), WorkflowQueryOptions::default())
                .await?;
            if held != state_kib * 1024 {
                return Err(format!("{id} holds {held} bytes").into());
            }
            Ok(())
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().collect()
}

pub async fn cmd_cache(m: &HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", None);
    let n: usize = arg(m, "n", Some(1000));
    let state_kib: usize = arg(m, "state-kib", Some(0));
    let concurrency: usize = arg(m, "concurrency", Some(100));
    let runtime = Runtime::from_current_tokio(Default::default())?;
    let client = connect(&addr).await?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let queue = format!("bench-cache-{stamp}");
    let options = WorkerOptions::new(&queue)
        .register_workflow::<Parked>()?
        .max_cached_workflows(n + 100)
        .build();
    let mut worker = Worker::new(&runtime, client.clone(), options)?;
    let shutdown = worker.shutdown_handle();
    let load = async {
        let measured = async {
            let warm_up: Vec<String> = (0..50).map(|i| format!("{queue}-warm-{i}")).collect();
            park(&client, &queue, warm_up, state_kib, concurrency).await?;
            let before = rss_kib();
            let started = Instant::now();
            let ids: Vec<String> = (0..n).map(|i| format!("{queue}-{i}")).collect();
            park(&client, &queue, ids, state_kib, concurrency).await?;
            AnyResult::Ok((before, rss_kib(), started.elapsed()))
        }
        .await;
        shutdown();
        measured
    };
    let (worker_result, measured) = tokio::join!(worker.run(), load);
    let (before, after, parked_in) = measured?;
    worker_result?;
    let per_run = (after.saturating_sub(before) * 1024) / n.max(1) as u64;
    println!(
        "{{\"sdk\":\"rust-official\",\"bench\":\"cache\",\"workload\":\"cache {n} runs of {state_kib} KiB\",\"n\":{n},\"state_kib\":{state_kib},\"rss_before_mib\":{:.1},\"rss_after_mib\":{:.1},\"bytes_per_cached_run\":{per_run},\"state_bytes\":{},\"overhead_bytes_per_run\":{},\"parked_in_s\":{:.1}}}",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        state_kib * 1024,
        per_run.saturating_sub((state_kib * 1024) as u64),
        parked_in.as_secs_f64()
    );
    Ok(())
}
