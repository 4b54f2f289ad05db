//! One full run configured only by the standard `TEMPORAL_*` variables, logging everything at
//! the level `RUST_LOG` sets (every target) to standard output: a worker and a client connect
//! with `ClientOptions::from_env()`, a workflow takes a card number as input, passes it to an
//! activity that heartbeats it and returns it, and the client reads the result. The security
//! tests run it with secrets in the variables and search its output for them.

use std::time::Duration;

use workflow_runtime::{ClientOptions, RunningWorker, prelude::*};

#[activity]
async fn authorize_card(ctx: ActivityContext, card: String) -> Result<String, ActivityError> {
    ctx.heartbeat(&card)?;
    Ok(format!("authorized {card}"))
}

/// Authorizes the card it is given.
#[derive(Debug, Default)]
pub struct Authorization;

#[workflow]
impl Authorization {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, card: String) -> WorkflowResult<String> {
        Ok(ctx
            .activity(authorize_card, card)
            .options(ActivityOptions::start_to_close(Duration::from_secs(30)))
            .await?)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stdout)
        .init();
    let mut args = std::env::args().skip(1);
    let (queue, card) = match (args.next(), args.next()) {
        (Some(queue), Some(card)) => (queue, card),
        _ => return Err("usage: logged-run TASK_QUEUE CARD".into()),
    };
    let options = ClientOptions::from_env()?;
    tracing::info!(?options, "connecting");
    let client = Client::connect(options).await?;
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<Authorization>()
            .activity(authorize_card),
    );
    let result = client
        .execute(
            Authorization::run,
            card,
            StartOptions::new(format!("{queue}-run"), &queue),
        )
        .await?;
    worker.stop().await?;
    // The result holds the card: it goes to the caller, never to the log.
    std::fs::write(std::env::var("LOGGED_RUN_RESULT")?, result)?;
    Ok(())
}
