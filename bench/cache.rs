//! Memory per cached workflow: `cache` runs a worker in this process whose cache holds every
//! run, parks `n` runs on it (each builds a state of `--state-kib` KiB, then waits for a signal
//! that never comes), makes sure each is cached by querying it, and prints the resident memory
//! before and after, and the difference per run.
//!
//! ```text
//! workflow-bench cache --addr H:P [--n 1000] [--state-kib 0] [--concurrency 100]
//! ```
//!
//! The runs stay open on the server; use a dev server of its own.

use std::{collections::HashMap, time::Instant};

use futures::StreamExt;
use workflow_runtime::{StartOptions, Worker, WorkflowContext, WorkflowResult, workflow};

use crate::{AnyResult, arg, connect};

/// A run that holds `state_kib` KiB of state and waits.
#[derive(Default)]
struct Parked {
    state: Vec<u8>,
    released: bool,
}

#[workflow]
impl Parked {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, state_kib: usize) -> WorkflowResult<usize> {
        // Non-zero bytes, so the pages are really taken.
        ctx.state_mut(|s| s.state = vec![7; state_kib * 1024]);
        ctx.wait_condition(|s| s.released).await?;
        Ok(ctx.state(|s| s.state.len()))
    }

    #[query]
    fn held(&self) -> usize {
        self.state.len()
    }

    #[signal]
    fn release(&mut self) {
        self.released = true;
    }
}

fn rss_kib() -> u64 {
    crate::status_kib("self", "VmRSS").unwrap_or(0)
}

/// Starts `ids` and queries each once it started, `concurrency` at a time.
async fn park(
    client: &workflow_runtime::Client,
    queue: &str,
    ids: Vec<String>,
    state_kib: usize,
    concurrency: usize,
) -> AnyResult<()> {
    let results: Vec<AnyResult<()>> = futures::stream::iter(ids)
        .map(|id| async move {
            let handle = client
                .start(Parked::run, state_kib, StartOptions::new(&id, queue))
                .await?;
            let held = handle.query(Parked::held, ()).await?;
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

pub(crate) async fn cmd_cache(m: &HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", None)?;
    let n: usize = arg(m, "n", Some(1000))?;
    let state_kib: usize = arg(m, "state-kib", Some(0))?;
    let concurrency: usize = arg(m, "concurrency", Some(100))?;
    let client = connect(&addr).await?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let queue = format!("bench-cache-{stamp}");
    let worker = Worker::new(&client, &queue)
        .workflow::<Parked>()
        .max_cached_workflows(n + 100)
        .shutdown_on_ctrl_c(false);
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());

    let warm_up: Vec<String> = (0..50).map(|i| format!("{queue}-warm-{i}")).collect();
    park(&client, &queue, warm_up, state_kib, concurrency).await?;
    let before = rss_kib();
    let started = Instant::now();
    let ids: Vec<String> = (0..n).map(|i| format!("{queue}-{i}")).collect();
    park(&client, &queue, ids, state_kib, concurrency).await?;
    let parked_in = started.elapsed();
    let after = rss_kib();
    let per_run = (after.saturating_sub(before) * 1024) / n.max(1) as u64;
    println!(
        "{{\"sdk\":\"workflow-runtime\",\"bench\":\"cache\",\"workload\":\"cache {n} runs of {state_kib} KiB\",\"n\":{n},\"state_kib\":{state_kib},\"rss_before_mib\":{:.1},\"rss_after_mib\":{:.1},\"bytes_per_cached_run\":{per_run},\"state_bytes\":{},\"overhead_bytes_per_run\":{},\"parked_in_s\":{:.1}}}",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        state_kib * 1024,
        per_run.saturating_sub((state_kib * 1024) as u64),
        parked_in.as_secs_f64()
    );
    shutdown.shutdown();
    running.await??;
    Ok(())
}
