//! A worker process for the fault tests, which kill it with SIGKILL: it serves `FaultJob`
//! (three activities and a timer, then its input times ten) on a task queue until it is killed.
//!
//! Usage: `fault-worker ADDRESS TASK_QUEUE STICKY_QUEUE_TIMEOUT_MS [TRAP]`. Prints `ready` once
//! connected. With a trap, the run whose workflow id ends in `-trapped` stops at its second
//! step and prints where, so that a test kills the process at that very point:
//! - `activity`: inside the second activity's first attempt (`trapped mid-activity`);
//! - `task`: inside the workflow task that schedules the second activity, before the task's
//!   completion goes back to the server (`trapped mid-task`).

use std::{io::Write, sync::OnceLock, time::Duration};

use workflow_runtime::{
    ClientOptions, Interceptor, RunView, WorkflowOutbound, WorkflowOutboundKind, prelude::*,
};

/// Where the trap is set, if one is.
static TRAP: OnceLock<String> = OnceLock::new();

/// How long a trapped step waits for the kill: far longer than a test takes to send it.
const TRAPPED_FOR: Duration = Duration::from_secs(20);

fn trapped(at: &str, workflow_id: &str) -> bool {
    TRAP.get().is_some_and(|trap| trap == at) && workflow_id.ends_with("-trapped")
}

/// Tells the test where the process stands, then waits for the kill.
fn announce(at: &str) {
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "trapped mid-{at}");
    let _ = stdout.flush();
}

/// Works a little, so a kill lands in the middle of something.
#[activity]
async fn fault_step(ctx: ActivityContext, job: u32, step: u32) -> Result<u32, ActivityError> {
    if step == 2 && ctx.info().attempt == 1 && trapped("activity", &ctx.info().workflow_id) {
        announce("activity");
        tokio::time::sleep(TRAPPED_FOR).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    Ok(job + step)
}

/// Holds the workflow thread inside the task that schedules a trapped run's second activity.
struct TaskTrap;

impl Interceptor for TaskTrap {
    fn workflow_outbound(&self, run: &RunView<'_>, call: &mut WorkflowOutbound<'_>) {
        let second_step = matches!(
            call.kind(),
            WorkflowOutboundKind::Activity {
                activity_id: "2",
                ..
            }
        );
        if second_step && !run.is_replaying() && trapped("task", &run.info().workflow_id) {
            announce("task");
            std::thread::sleep(TRAPPED_FOR);
        }
    }
}

/// Three steps and a timer, then `job * 10`.
#[derive(Debug, Default)]
pub struct FaultJob;

#[workflow]
impl FaultJob {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, job: u32) -> WorkflowResult<u32> {
        for step in 1..=3 {
            ctx.activity(fault_step, (job, step))
                .options(
                    ActivityOptions::start_to_close(Duration::from_secs(2)).retry(
                        RetryPolicy::exponential().initial_interval(Duration::from_millis(100)),
                    ),
                )
                .await?;
            ctx.sleep(Duration::from_millis(50)).await?;
        }
        Ok(job * 10)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (address, queue, sticky_ms) = match args.as_slice() {
        [address, queue, sticky_ms] | [address, queue, sticky_ms, _] => (address, queue, sticky_ms),
        _ => {
            return Err(
                "usage: fault-worker ADDRESS TASK_QUEUE STICKY_QUEUE_TIMEOUT_MS [activity|task]"
                    .into(),
            );
        }
    };
    if let Some(trap) = args.get(3) {
        TRAP.get_or_init(|| trap.clone());
    }
    let client = Client::connect(ClientOptions::new(address)).await?;
    let worker = Worker::new(&client, queue)
        .workflow::<FaultJob>()
        .activity(fault_step)
        .interceptor(TaskTrap)
        .sticky_queue_timeout(Duration::from_millis(sticky_ms.parse()?))
        // The task trap holds a workflow thread on purpose, past the usual 2 s.
        .deadlock_detection_timeout(Some(TRAPPED_FOR * 2));
    println!("ready");
    // Serves until killed; a clean stop is not what the tests exercise.
    worker.run().await?;
    Ok(())
}
