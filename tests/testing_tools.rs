//! The testing tools against the dev server: a mocked activity replaces the real one on a
//! worker while the others run for real.

use std::sync::{Arc, Mutex};

use examples::order_workflow::{
    OrderActivities, OrderStatus, OrderWorkflow, Payment, PaymentRequest,
};
use tests::{
    RunningWorker, client,
    fixtures::{PAYMENT_LIMIT_CENTS, UNIT_PRICE_CENTS, order, order_activities, order_worker},
    task_queue,
};
use workflow_runtime::StartOptions;

#[tokio::test]
async fn a_mocked_payment_approves_an_order_the_real_gateway_would_decline() {
    let client = client().await;
    let queue = task_queue("mocked-payment");
    let activities = order_activities();
    let charged = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&charged);
    let worker = RunningWorker::start(order_worker(&client, &queue, &activities).mock_activity(
        OrderActivities::charge_payment,
        move |request: PaymentRequest| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().expect("charges").push(request.amount_cents);
                Ok(Payment {
                    transaction_id: format!("mock-{}", request.order_id),
                    amount_cents: request.amount_cents,
                })
            }
        },
    ));
    let quantity = 30;
    assert!(
        u64::from(quantity) * UNIT_PRICE_CENTS > PAYMENT_LIMIT_CENTS,
        "the real gateway declines this order"
    );
    let id = format!("{queue}-big");
    let result = client
        .execute(
            OrderWorkflow::run,
            order(&id, quantity),
            StartOptions::new(&id, &queue),
        )
        .await
        .expect("the mocked payment goes through");
    assert_eq!(result.status, OrderStatus::Completed);
    assert_eq!(result.transaction_id, format!("mock-{id}"));
    assert_eq!(*charged.lock().expect("charges"), [30_000]);
    // The other activities ran for real: the stock was reserved and the order shipped.
    assert!(result.reservation_id.starts_with("rsv-"), "{result:?}");
    assert_eq!(activities.journal(), [format!("ship {id} Lyon")]);
    worker.stop().await.expect("clean shutdown");
}
