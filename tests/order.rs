//! The order workflow of the main demo, end to end.

use examples::order_workflow::{OrderStatus, OrderWorkflow};
use tests::{
    RunningWorker, client,
    fixtures::{order, order_activities, order_worker},
    history_events, task_queue,
};
use workflow_runtime::{
    ClientError, StartOptions,
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
};

#[tokio::test]
async fn order_workflow_completes_and_declines() {
    let client = client().await;
    let queue = task_queue("order");
    let worker = RunningWorker::start(order_worker(&client, &queue, &order_activities()));

    let id = format!("{queue}-ok");
    let result = client
        .execute(
            OrderWorkflow::run,
            order(&id, 3),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect("order completes");
    assert_eq!(result.order_id, id);
    assert_eq!(result.status, OrderStatus::Completed);
    assert_eq!(result.total_cents, 3_000);
    assert!(result.transaction_id.starts_with("txn-"));
    assert!(result.reservation_id.starts_with("rsv-"));

    // The history names this runtime, not the client library under it, as the SDK that
    // completed the workflow tasks.
    let completed = history_events(
        &client.untyped_handle(&id, None),
        EventType::WorkflowTaskCompleted,
    )
    .await;
    let sdks: Vec<(String, String)> = completed
        .iter()
        .filter_map(|event| match &event.attributes {
            Some(Attributes::WorkflowTaskCompletedEventAttributes(task)) => {
                let sdk = task.sdk_metadata.as_ref()?;
                Some((sdk.sdk_name.clone(), sdk.sdk_version.clone()))
            }
            _ => None,
        })
        .collect();
    // The server records the SDK's name and version when they change: on the first task.
    assert_eq!(
        sdks.first(),
        Some(&(
            "workflow-runtime".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned()
        )),
        "{completed:?}"
    );
    assert!(
        sdks.iter()
            .all(|(name, _)| name.is_empty() || name == "workflow-runtime"),
        "{sdks:?}"
    );

    let id = format!("{queue}-declined");
    let error = client
        .execute(
            OrderWorkflow::run,
            order(&id, 30),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect_err("payment above the limit is declined");
    let ClientError::Failed(failure) = error else {
        panic!("expected a workflow failure, got {error:?}");
    };
    assert_eq!(failure.error_type(), Some("PaymentDeclined"));
    assert!(
        failure.message().contains("declined for 30000 cents"),
        "{failure}"
    );
    worker.stop().await.expect("clean shutdown");
}
