//! Repeated panics against the worker's memory: `panics` runs a worker in this process and
//! makes user code panic thousands of times (a query handler, an update validator, and
//! activity attempts retried by the server), then prints the resident memory after each round
//! and how many panics reached the panic hook, which reports each place in the code once.
//!
//! ```text
//! workflow-bench panics --addr H:P [--n 3000] [--attempts 20] [--rounds 3] [--control]
//! ```
//!
//! `--control` runs the same calls with errors in place of panics (the query answers, the
//! validator rejects, the activity returns a retryable error), for the memory the same work
//! takes without a panic.
//!
//! Each round makes `3 n` panics: `n` queries whose handler panics, `n` updates whose validator
//! panics, and `n / attempts` workflows whose activity panics on each of its `attempts`
//! attempts. A warm-up round of a tenth of that comes first, and the worker caches at most 20
//! runs, so the resident memory after each round shows what the panics leave behind, not the
//! first allocations or a growing cache.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use workflow_runtime::{
    ActivityContext, ActivityError, ActivityOptions, Client, RetryPolicy, StartOptions, Worker,
    WorkflowContext, WorkflowError, WorkflowResult, activity, workflow,
};

use crate::{AnyResult, arg, connect};

/// Panics at every attempt (fails with a retryable error when not `panicking`).
#[activity]
async fn panic_step(_ctx: ActivityContext, n: u32, panicking: bool) -> Result<u32, ActivityError> {
    if panicking {
        panic!("activity {n} cannot go on");
    }
    Err(ActivityError::retryable(
        "Control",
        format!("activity {n} cannot go on"),
    ))
}

/// Waits for `stop`; its query handler and update validator panic (when `panicking`; else the
/// query answers and the validator rejects).
#[derive(Default)]
struct PanicTarget {
    panicking: bool,
    stopped: bool,
}

#[workflow]
impl PanicTarget {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, panicking: bool) -> WorkflowResult<()> {
        ctx.state_mut(|s| s.panicking = panicking);
        ctx.wait_condition(|s| s.stopped).await?;
        Ok(())
    }

    #[signal]
    fn stop(&mut self) {
        self.stopped = true;
    }

    #[query]
    fn explode(&self) -> u32 {
        if self.panicking {
            panic!("the query handler exploded")
        }
        0
    }

    #[update(validator = Self::refuse)]
    fn guarded(&mut self) -> WorkflowResult<()> {
        Ok(())
    }

    fn refuse(&self) -> WorkflowResult<()> {
        if self.panicking {
            panic!("the validator exploded")
        }
        Err(WorkflowError::application(
            "Control",
            "the validator refuses",
        ))
    }
}

/// Runs `panic_step` until its attempts are spent, and returns whether it failed.
#[derive(Default)]
struct PanicActivities;

#[workflow]
impl PanicActivities {
    #[run]
    async fn run(
        ctx: WorkflowContext<Self>,
        attempts: u32,
        panicking: bool,
    ) -> WorkflowResult<bool> {
        let outcome = ctx
            .activity(panic_step, (attempts, panicking))
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(10)).retry(
                    RetryPolicy::exponential()
                        .initial_interval(Duration::from_millis(10))
                        .backoff_coefficient(1.0)
                        .maximum_attempts(attempts),
                ),
            )
            .await;
        Ok(outcome.is_err())
    }
}

/// Resident memory of this process in KiB (`VmRSS`).
fn rss_kib() -> u64 {
    crate::status_kib("self", "VmRSS").unwrap_or(0)
}

/// What a round does.
#[derive(Clone, Copy)]
struct Round<'a> {
    queue: &'a str,
    n: usize,
    attempts: u32,
    panicking: bool,
}

/// Makes `n` panics of each kind (or errors, when not `panicking`).
async fn panic_round(client: &Client, round: &str, plan: Round<'_>) -> AnyResult<()> {
    let Round {
        queue,
        n,
        attempts,
        panicking,
    } = plan;
    let target = client
        .start(
            PanicTarget::run,
            panicking,
            StartOptions::new(format!("{queue}-{round}-target"), queue),
        )
        .await?;
    for _ in 0..n {
        if target.query(PanicTarget::explode, ()).await.is_ok() == panicking {
            return Err("a query answered against the plan".into());
        }
    }
    for _ in 0..n {
        if target.update(PanicTarget::guarded, ()).await.is_ok() {
            return Err("an update whose validator refuses was accepted".into());
        }
    }
    target.signal(PanicTarget::stop, ()).await?;
    target.result().await?;
    let workflows = n.div_ceil(attempts as usize);
    let failed: Vec<AnyResult<bool>> = futures::stream::iter(0..workflows)
        .map(|i| async move {
            Ok(client
                .execute(
                    PanicActivities::run,
                    (attempts, panicking),
                    StartOptions::new(format!("{queue}-{round}-{i}"), queue),
                )
                .await?)
        })
        .buffer_unordered(50)
        .collect()
        .await;
    for outcome in failed {
        if !outcome? {
            return Err("an activity that always panics succeeded".into());
        }
    }
    Ok(())
}

pub(crate) async fn cmd_panics(m: &HashMap<String, String>) -> AnyResult<()> {
    let addr: String = arg(m, "addr", None)?;
    let n: usize = arg(m, "n", Some(3000))?;
    let attempts: u32 = arg(m, "attempts", Some(20))?;
    let rounds: usize = arg(m, "rounds", Some(3))?;
    let panicking = !m.contains_key("control");
    // Counts the panics that reach the hook in place, which the runtime's hook wraps.
    let reported = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&reported);
    std::panic::set_hook(Box::new(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
    }));

    let client = connect(&addr).await?;
    let queue = format!("panics-{}", std::process::id());
    let worker = Worker::new(&client, &queue)
        .workflow::<PanicTarget>()
        .workflow::<PanicActivities>()
        .activity(panic_step)
        .max_cached_workflows(20)
        .shutdown_on_ctrl_c(false);
    let shutdown = worker.shutdown_handle();
    let running = tokio::spawn(worker.run());

    let plan = Round {
        queue: &queue,
        n,
        attempts,
        panicking,
    };
    let warmup = Round {
        n: (n / 10).max(attempts as usize),
        ..plan
    };
    panic_round(&client, "warmup", warmup).await?;
    let rss_after_warmup = rss_kib();
    let started = Instant::now();
    let mut rss_after_rounds = Vec::new();
    for round in 0..rounds {
        panic_round(&client, &format!("round{round}"), plan).await?;
        rss_after_rounds.push(rss_kib());
    }
    let elapsed = started.elapsed();
    shutdown.shutdown();
    running.await??;
    let activity_panics = n.div_ceil(attempts as usize) * attempts as usize;
    println!(
        "{}",
        serde_json::json!({
            "bench": "panics",
            "panicking": panicking,
            "rounds": rounds,
            "panics_per_round": 2 * n + activity_panics,
            "query_panics_per_round": n,
            "validator_panics_per_round": n,
            "activity_attempt_panics_per_round": activity_panics,
            "seconds": elapsed.as_secs_f64(),
            "rss_after_warmup_kib": rss_after_warmup,
            "rss_after_each_round_kib": rss_after_rounds,
            "reports_reaching_the_hook": reported.load(Ordering::Relaxed),
        })
    );
    Ok(())
}
