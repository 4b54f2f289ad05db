//! Changing workflow code under an open run, on a dev server this example starts itself: a run
//! starts on release 1 and stays open while the worker is replaced by release 2, which moved
//! to a new payment processor behind `ctx.patched`. The open run finishes on the legacy
//! branch, a new run takes the new one, and both histories replay on release 2; release 3
//! deprecates the patch and still replays the run that took the new branch.
//!
//! ```text
//! cargo run --example versioned
//! ```
//!
//! The three releases are in `examples/src/versioned_workflow.rs`; `docs/versioning.md` has the
//! procedure.

use examples::versioned_workflow::{TASK_QUEUE, release_1, release_2, release_3, worker};
use workflow_runtime::{
    RunningWorker, prelude::*, protos::temporal::api::enums::v1::EventType, replay::Replayer,
    testing::DevServer,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_logging("warn,examples=info");
    let server = DevServer::start().await?;
    let client = server.client().await?;

    println!("Release 1 is deployed.");
    let release = RunningWorker::start(worker::<release_1::VersionedWorkflow>(&client, TASK_QUEUE));
    let old = client
        .start(
            release_1::VersionedWorkflow::run,
            100,
            StartOptions::new("versioned-old", TASK_QUEUE),
        )
        .await?;
    // The run charges, then waits for `finish`: it is open when the next release comes.
    while old
        .history()
        .await?
        .iter()
        .all(|event| event.event_type != EventType::ActivityTaskCompleted as i32)
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    println!("  run `versioned-old` charged and waits");
    release.stop().await?;

    println!("Release 2 replaces it (the new processor, behind ctx.patched).");
    let release = RunningWorker::start(worker::<release_2::VersionedWorkflow>(&client, TASK_QUEUE));
    old.signal(release_1::VersionedWorkflow::finish, ()).await?;
    println!(
        "  run `versioned-old` finished with {}",
        old.result().await?
    );
    let new = client
        .start(
            release_2::VersionedWorkflow::run,
            100,
            StartOptions::new("versioned-new", TASK_QUEUE),
        )
        .await?;
    new.signal(release_2::VersionedWorkflow::finish, ()).await?;
    println!(
        "  run `versioned-new` finished with {}",
        new.result().await?
    );
    release.stop().await?;

    let old_history = old.fetch_history().await?;
    let new_history = new.fetch_history().await?;
    let replayer = Replayer::new().workflow::<release_2::VersionedWorkflow>();
    replayer.replay(&old_history).await?;
    replayer.replay(&new_history).await?;
    println!("Both histories replay on release 2.");
    Replayer::new()
        .workflow::<release_3::VersionedWorkflow>()
        .replay(&new_history)
        .await?;
    println!(
        "Release 3 (the patch deprecated) replays `versioned-new`. It would not replay \
         `versioned-old`, so it ships once no run like it is open."
    );
    Ok(())
}
