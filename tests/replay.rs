//! Replaying recorded histories: the same code replays cleanly, a changed one is reported as
//! nondeterministic with core's description of the mismatch.

use prost::Message;
use tests::{
    RunningWorker, client,
    fixtures::{order, order_activities, order_worker},
    task_queue,
};
use workflow_runtime::{
    StartOptions,
    protos::temporal::api::history::v1::History,
    replay::{ReplayError, Replayer},
};

use examples::order_workflow::OrderWorkflow;

use crate::workflows::{ChangedTimerWorkflow, TimerWorkflow};

#[tokio::test]
async fn recorded_histories_replay_and_changed_code_is_caught() {
    let client = client().await;
    let queue = task_queue("replay");
    let worker = RunningWorker::start(
        order_worker(&client, &queue, &order_activities()).workflow::<TimerWorkflow>(),
    );
    let timers = client
        .start(
            TimerWorkflow::run,
            (20, 3),
            StartOptions::new(format!("{queue}-timers"), &queue),
        )
        .await
        .expect("start");
    timers.result().await.expect("timer workflow completes");
    let order_id = format!("{queue}-order");
    let probe = client
        .start(
            OrderWorkflow::run,
            order(&order_id, 2),
            StartOptions::new(&order_id, &queue),
        )
        .await
        .expect("start");
    probe.result().await.expect("order completes");
    worker.stop().await.expect("clean shutdown");

    let timer_history = timers.history().await.expect("history");
    let probe_history = probe.history().await.expect("history");

    let replayer = Replayer::new()
        .workflow::<TimerWorkflow>()
        .workflow::<OrderWorkflow>();
    replayer
        .replay_events(timer_history.clone())
        .await
        .expect("the same code replays its own history");
    replayer
        .replay_events(probe_history.clone())
        .await
        .expect("sequential and parallel activities replay identically");

    // The binary protobuf form, as `bench` and other tools save it.
    let file = std::env::temp_dir().join(format!("{queue}.binpb"));
    std::fs::write(
        &file,
        History {
            events: probe_history,
        }
        .encode_to_vec(),
    )
    .expect("write");
    replayer
        .replay_file(&file)
        .await
        .expect("replay from a file");
    let _ = std::fs::remove_file(&file);

    let changed = Replayer::new().workflow::<ChangedTimerWorkflow>();
    let error = changed
        .replay_events(timer_history)
        .await
        .expect_err("a changed workflow does not match the history");
    let ReplayError::Nondeterminism {
        workflow_type,
        message,
    } = &error
    else {
        panic!("expected nondeterminism, got {error:?}");
    };
    assert_eq!(workflow_type, "TimerWorkflow");
    assert!(message.to_lowercase().contains("nondetermin"), "{message}");
}
