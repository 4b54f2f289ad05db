//! A worker process for the fault tests, which kill it with SIGKILL: it serves `FaultJob`
//! (three activities and a timer, then its input times ten) on a task queue until it is killed.
//! Usage: fault-worker ADDRESS TASK_QUEUE STICKY_QUEUE_TIMEOUT_MS. Prints `ready` once connected.

use std::time::Duration;

use workflow_runtime::{ClientOptions, prelude::*};

/// Works a little, so a kill lands in the middle of something.
#[activity]
async fn fault_step(_ctx: ActivityContext, job: u32, step: u32) -> Result<u32, ActivityError> {
    tokio::time::sleep(Duration::from_millis(150)).await;
    Ok(job + step)
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
    let [address, queue, sticky_ms] = args.as_slice() else {
        return Err("usage: fault-worker ADDRESS TASK_QUEUE STICKY_QUEUE_TIMEOUT_MS".into());
    };
    let client = Client::connect(ClientOptions::new(address)).await?;
    let worker = Worker::new(&client, queue)
        .workflow::<FaultJob>()
        .activity(fault_step)
        .sticky_queue_timeout(Duration::from_millis(sticky_ms.parse()?));
    println!("ready");
    // Serves until killed; a clean stop is not what the tests exercise.
    worker.run().await?;
    Ok(())
}
