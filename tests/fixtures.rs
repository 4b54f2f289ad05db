//! The order fixtures: one worker set-up and one order shape for every test of the order
//! workflow (`examples/src/order_workflow.rs`). The Python clients in `python/` build the same
//! orders by hand, against the same payment limit and stock.

use std::sync::Arc;

use examples::order_workflow::{
    Address, LineItem, OrderActivities, OrderInput, OrderStatus, OrderWorkflow,
};
use workflow_runtime::{Client, Worker, WorkflowHandle};

use crate::{PATIENCE, eventually};

/// Charges above this many cents are declined.
pub const PAYMENT_LIMIT_CENTS: u64 = 20_000;

/// The one product of the fixtures.
pub const SKU: &str = "WIDGET";

/// Units of [`SKU`] in stock when a worker starts.
pub const STOCK: u32 = 50;

/// The price of one unit of [`SKU`], in cents.
pub const UNIT_PRICE_CENTS: u64 = 1_000;

/// Order activities with the fixtures' payment limit and stock; keep the `Arc` to read their
/// journal and stock afterwards.
pub fn order_activities() -> Arc<OrderActivities> {
    Arc::new(OrderActivities::new(
        PAYMENT_LIMIT_CENTS,
        [(SKU.to_owned(), STOCK)],
    ))
}

/// A worker on `queue` with the order workflow and `activities`.
pub fn order_worker(client: &Client, queue: &str, activities: &Arc<OrderActivities>) -> Worker {
    Worker::new(client, queue)
        .workflow::<OrderWorkflow>()
        .shared_activities(Arc::clone(activities))
}

/// Order `id`: `quantity` units of [`SKU`] for Lyon, shipped as soon as it is paid. Set
/// `hold_seconds` for a window in which to change the address or cancel.
pub fn order(id: &str, quantity: u32) -> OrderInput {
    OrderInput {
        order_id: id.to_owned(),
        customer_id: "alice".to_owned(),
        items: vec![LineItem {
            sku: SKU.to_owned(),
            quantity,
            unit_price_cents: UNIT_PRICE_CENTS,
        }],
        shipping_address: Address {
            street: "1 Old Road".to_owned(),
            city: "Lyon".to_owned(),
        },
        hold_seconds: 0,
    }
}

/// Waits until the order's `get_status` query says it is paid (its hold window has begun).
pub async fn wait_until_paid(handle: &WorkflowHandle<OrderWorkflow>) {
    eventually(PATIENCE, "the order to be paid", || async {
        let status = handle
            .query(OrderWorkflow::get_status, ())
            .await
            .expect("query");
        if status == OrderStatus::Paid {
            Ok(())
        } else {
            Err(status)
        }
    })
    .await;
}
