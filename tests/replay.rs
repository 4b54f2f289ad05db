//! Replaying recorded histories: the same code replays cleanly, a changed one is reported as
//! nondeterministic with core's description of the mismatch.

use prost::Message;
use tests::{RunningWorker, client, task_queue};
use workflow_runtime::{
    StartOptions, Worker,
    protos::temporal::api::history::v1::History,
    replay::{ReplayError, Replayer},
};

use examples::order_workflow::{LineItem, OrderActivities, OrderInput, OrderWorkflow};

use crate::workflows::{ChangedTimerWorkflow, TimerWorkflow};

#[tokio::test]
async fn recorded_histories_replay_and_changed_code_is_caught() {
    let client = client().await;
    let queue = task_queue("replay");
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<TimerWorkflow>()
            .workflow::<OrderWorkflow>()
            .activities(OrderActivities::new(10_000, [("WIDGET".to_owned(), 5)])),
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
    let order = OrderInput {
        order_id: format!("{queue}-order"),
        customer_id: "ann".to_owned(),
        items: vec![LineItem {
            sku: "WIDGET".to_owned(),
            quantity: 2,
            unit_price_cents: 100,
        }],
        shipping_address: Default::default(),
        hold_seconds: 0,
    };
    let probe = client
        .start(
            OrderWorkflow::run,
            order,
            StartOptions::new(format!("{queue}-order"), &queue),
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
