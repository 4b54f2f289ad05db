//! A live worker's cache miss on a long history: `evicted` runs a chain of `--activities N`
//! echo activities that then waits for a signal, on a worker whose cache holds one run. A
//! second run takes the cache, so the first is evicted; the signal then brings the first back
//! to this worker with only its newest events, and core fetches the whole history from the
//! server, page by page, and replays it before the signal's task can run. Prints the time and
//! the process CPU from the signal to the result (the replay of about 6·N events), medians of
//! `--rounds`.
//!
//! ```text
//! workflow-bench evicted --addr H:P [--activities 1000] [--rounds 3]
//! ```

use std::{collections::HashMap, time::Duration, time::Instant};

use workflow_runtime::{StartOptions, Worker, WorkflowContext, WorkflowResult, workflow};

use crate::{AnyResult, arg, connect, cpu_seconds, echo, echo_chain, percentile};

/// Runs `steps` echo activities, then waits for `release`.
#[derive(Default)]
struct ChainThenWait {
    chain_done: bool,
    released: bool,
}

#[workflow]
impl ChainThenWait {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, steps: u32) -> WorkflowResult<u32> {
        // The chain hands its input from activity to activity: it comes back from history.
        let echoed = echo_chain(&ctx, steps.to_string(), steps as usize).await?;
        ctx.state_mut(|s| s.chain_done = true);
        ctx.wait_condition(|s| s.released).await?;
        Ok(echoed.parse().unwrap_or(0))
    }

    #[query]
    fn waiting(&self) -> bool {
        self.chain_done
    }

    #[signal]
    fn release(&mut self) {
        self.released = true;
    }
}

pub(crate) async fn cmd_evicted(m: &HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", None)?;
    let activities: u32 = arg(m, "activities", Some(1000))?;
    let rounds: usize = arg(m, "rounds", Some(3))?;
    let client = connect(&addr).await?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let queue = format!("bench-evicted-{stamp}");
    let worker = Worker::new(&client, &queue)
        .workflow::<ChainThenWait>()
        .activity(echo)
        .max_cached_workflows(1)
        .shutdown_on_ctrl_c(false);
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());

    let (mut wall_ms, mut cpu_ms, mut events) = (Vec::new(), Vec::new(), 0);
    for round in 0..rounds {
        let long = client
            .start(
                ChainThenWait::run,
                activities,
                StartOptions::new(format!("{queue}-long-{round}"), &queue),
            )
            .await?;
        while !matches!(long.query(ChainThenWait::waiting, ()).await, Ok(true)) {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let short = client
            .start(
                ChainThenWait::run,
                0,
                StartOptions::new(format!("{queue}-short-{round}"), &queue),
            )
            .await?;
        // Answered from the cache's only slot: the long run is out of it.
        short.query(ChainThenWait::waiting, ()).await?;
        events = long.untyped().history().await?.len();

        let cpu = cpu_seconds("self");
        let started = Instant::now();
        long.signal(ChainThenWait::release, ()).await?;
        let done = long.result().await?;
        wall_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        cpu_ms.push((cpu_seconds("self") - cpu) * 1000.0);
        if done != activities {
            return Err(format!("the chain returned {done}, not {activities}").into());
        }
        short.signal(ChainThenWait::release, ()).await?;
        short.result().await?;
    }
    wall_ms.sort_by(f64::total_cmp);
    cpu_ms.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "bench": "evicted",
            "activities": activities,
            "events": events,
            "rounds": rounds,
            "signal_to_result_ms_p50": percentile(&wall_ms, 50.0),
            "signal_to_result_cpu_ms_p50": percentile(&cpu_ms, 50.0),
            "signal_to_result_ms": wall_ms,
            "signal_to_result_cpu_ms": cpu_ms,
        })
    );
    shutdown.shutdown();
    running.await??;
    Ok(())
}
