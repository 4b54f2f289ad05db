//! What the replay check of test workers catches among the determinism check's documented
//! limits (`docs/determinism.md`, "What the check cannot decide", and the `limit_*` sections
//! of `bench/determinism/corpus.rs`): each limit is written here as realistic workflow code in
//! which the unseen value decides the workflow's commands, each workflow runs once per round
//! on a worker of a time-skipping `TestEnvironment`, and the worker's stop replays the runs.
//! Prints, per limit, in how many rounds the replay failed the stop.
//!
//! ```text
//! cargo run -p tests --bin replay-limits -- [rounds, default 20]
//! ```

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use workflow_runtime::{prelude::*, testing::TestEnvironment};

const QUEUE: &str = "replay-limits";

#[activity]
async fn notify(_ctx: ActivityContext, who: String) -> Result<(), ActivityError> {
    let _ = who;
    Ok(())
}

fn notify_options() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(10))
}

// A helper without the attribute reads the clock: the wait until the next full minute.
fn until_next_minute() -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(60)
        - Duration::from_nanos(u64::from(now.subsec_nanos()))
        - Duration::from_secs(now.as_secs() % 60)
}

/// Waits for the next full minute, then notifies.
#[derive(Default)]
struct HelperReadsClock;

#[workflow]
impl HelperReadsClock {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        ctx.sleep(until_next_minute()).await?;
        ctx.activity(notify, "minute".to_owned())
            .options(notify_options())
            .await?;
        Ok(())
    }
}

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Audits every third run it counts, with a global counter read in the function-call form.
#[derive(Default)]
struct GlobalByFunctionCall;

#[workflow]
impl GlobalByFunctionCall {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        if AtomicUsize::fetch_add(&RUNS, 1, Ordering::Relaxed).is_multiple_of(3) {
            ctx.activity(notify, "audit".to_owned())
                .options(notify_options())
                .await?;
        }
        Ok(())
    }
}

/// Tags its notification with an address printed with `{:?}`.
#[derive(Default)]
struct PointerDebug;

#[workflow]
impl PointerDebug {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let marker = 0u8;
        let tag = format!("{:?}", &marker as *const u8);
        ctx.activity(notify, tag).options(notify_options()).await?;
        Ok(())
    }
}

fn regions() -> HashMap<String, u64> {
    // The delay before each region's notification; 0 notifies at once.
    ["eu", "us", "ap", "sa", "af"]
        .iter()
        .zip([0, 30, 0, 60, 0])
        .map(|(name, delay)| ((*name).to_owned(), delay))
        .collect()
}

/// The regions, behind a type of their own: the check sees a `Regions`, not the map in it.
struct Regions(HashMap<String, u64>);

impl Regions {
    fn delays(&self) -> impl Iterator<Item = (&String, &u64)> {
        self.0.iter()
    }
}

/// Notifies each region in the order a method's `impl Iterator` gives, waiting first where a
/// region has a delay.
#[derive(Default)]
struct HashOrderBehindHelper;

#[workflow]
impl HashOrderBehindHelper {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let regions = Regions(regions());
        for (name, delay) in regions.delays() {
            if *delay > 0 {
                ctx.sleep(Duration::from_secs(*delay)).await?;
            }
            ctx.activity(notify, name.clone())
                .options(notify_options())
                .await?;
        }
        Ok(())
    }
}

/// Notifies each region in the order `Vec::extend` took them from the map: the same
/// activity each time, with another input.
#[derive(Default)]
struct HashMapConsumedWhole;

#[workflow]
impl HashMapConsumedWhole {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let mut ordered = Vec::new();
        ordered.extend(regions());
        for (name, _) in ordered {
            ctx.activity(notify, name).options(notify_options()).await?;
        }
        Ok(())
    }
}

/// A draw from a helper without the attribute: one run in ten is sampled for review.
fn sampled() -> bool {
    RandomState::new().hash_one(0u8).is_multiple_of(10)
}

/// Sends one run in ten for review, drawn in a helper.
#[derive(Default)]
struct RandomInHelper;

#[workflow]
impl RandomInHelper {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        if sampled() {
            ctx.activity(notify, "review".to_owned())
                .options(notify_options())
                .await?;
        }
        Ok(())
    }
}

/// The limits, each with the workflow id prefix of its runs and what decides its commands.
const LIMITS: [(&str, &str); 6] = [
    ("helper-reads-clock", "a timer's duration"),
    ("global-by-function-call", "a branch on a global counter"),
    ("pointer-debug", "an activity's input"),
    (
        "hash-order-behind-a-method",
        "the order of timers and activities",
    ),
    ("hash-map-consumed-whole", "the order of activity inputs"),
    ("random-in-helper", "a branch on a draw (1 in 10)"),
];

async fn start_round(client: &Client, round: usize) -> Result<(), Box<dyn std::error::Error>> {
    let id = |limit: &str| StartOptions::new(format!("{limit}-{round}"), QUEUE);
    client
        .execute(HelperReadsClock::run, (), id(LIMITS[0].0))
        .await?;
    client
        .execute(GlobalByFunctionCall::run, (), id(LIMITS[1].0))
        .await?;
    client
        .execute(PointerDebug::run, (), id(LIMITS[2].0))
        .await?;
    client
        .execute(HashOrderBehindHelper::run, (), id(LIMITS[3].0))
        .await?;
    client
        .execute(HashMapConsumedWhole::run, (), id(LIMITS[4].0))
        .await?;
    client
        .execute(RandomInHelper::run, (), id(LIMITS[5].0))
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 20,
    };
    let env = TestEnvironment::time_skipping().await?;
    let mut caught: HashMap<&str, usize> = HashMap::new();
    for round in 0..rounds {
        let worker = RunningWorker::start(
            env.worker(QUEUE)
                .workflow::<HelperReadsClock>()
                .workflow::<GlobalByFunctionCall>()
                .workflow::<PointerDebug>()
                .workflow::<HashOrderBehindHelper>()
                .workflow::<HashMapConsumedWhole>()
                .workflow::<RandomInHelper>()
                .activity(notify),
        );
        start_round(env.client(), round).await?;
        match worker.stop().await {
            Ok(()) => {}
            Err(WorkerError::NotReplayed(check)) => {
                for (workflow_id, _, _) in check.failures() {
                    if let Some((limit, _)) = LIMITS
                        .iter()
                        .find(|(limit, _)| workflow_id == format!("{limit}-{round}"))
                    {
                        *caught.entry(limit).or_default() += 1;
                    }
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    println!(
        "{:<26} {:<38} caught",
        "limit", "what the unseen value decides"
    );
    for (limit, decides) in LIMITS {
        let count = caught.get(limit).copied().unwrap_or(0);
        println!("{limit:<26} {decides:<38} {count} of {rounds}");
    }
    let figures: Vec<String> = LIMITS
        .iter()
        .map(|(limit, _)| format!("\"{limit}\":{}", caught.get(limit).copied().unwrap_or(0)))
        .collect();
    println!(
        "{{\"bench\":\"replay-limits\",\"rounds\":{rounds},\"caught\":{{{}}}}}",
        figures.join(",")
    );
    Ok(())
}
