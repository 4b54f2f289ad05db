//! The order workflow: create the order, then charge the payment and reserve the inventory in
//! parallel (each with its own retry policy), then complete the order.
//!
//! Workflow type `OrderWorkflow`; activities `create_order`, `charge_payment`,
//! `reserve_inventory` and `complete_order`, so workers and clients in other languages can
//! call them by name.

use std::{
    collections::BTreeMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};
use workflow_runtime::prelude::*;

/// The task queue of the example.
pub const TASK_QUEUE: &str = "order-processing";

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// Stock keeping unit.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// Price of one, in cents.
    pub unit_price_cents: u64,
}

/// What a customer orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInput {
    /// The order's id.
    pub order_id: String,
    /// The customer's id.
    pub customer_id: String,
    /// The lines.
    pub items: Vec<LineItem>,
}

/// The created order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// The order's id.
    pub order_id: String,
    /// Sum of the lines, in cents.
    pub total_cents: u64,
}

/// A payment to charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The order's id.
    pub order_id: String,
    /// The customer to charge.
    pub customer_id: String,
    /// The amount, in cents.
    pub amount_cents: u64,
}

/// A charged payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment provider's transaction id.
    pub transaction_id: String,
    /// The amount charged, in cents.
    pub amount_cents: u64,
}

/// Items to reserve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationRequest {
    /// The order's id.
    pub order_id: String,
    /// The lines to reserve.
    pub items: Vec<LineItem>,
}

/// Reserved stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// The warehouse's reservation id.
    pub reservation_id: String,
}

/// The workflow's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderResult {
    /// The order's id.
    pub order_id: String,
    /// Final status.
    pub status: OrderStatus,
    /// The payment's transaction id.
    pub transaction_id: String,
    /// The reservation id.
    pub reservation_id: String,
    /// Amount charged, in cents.
    pub total_cents: u64,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Not created yet.
    #[default]
    Pending,
    /// Created, payment and reservation running.
    Processing,
    /// Paid and reserved.
    Completed,
}

/// The order workflow's state.
#[derive(Debug, Default)]
pub struct OrderWorkflow {
    status: OrderStatus,
}

#[workflow]
impl OrderWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, order: OrderInput) -> WorkflowResult<OrderResult> {
        let record = ctx
            .activity(OrderActivities::create_order, order.clone())
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        ctx.state_mut(|s| s.status = OrderStatus::Processing);

        let payment = ctx
            .activity(
                OrderActivities::charge_payment,
                PaymentRequest {
                    order_id: order.order_id.clone(),
                    customer_id: order.customer_id.clone(),
                    amount_cents: record.total_cents,
                },
            )
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(30)).retry(
                    RetryPolicy::exponential()
                        .initial_interval(Duration::from_millis(200))
                        .maximum_attempts(5)
                        .non_retryable_error_types(["PaymentDeclined"]),
                ),
            );
        let reservation = ctx
            .activity(
                OrderActivities::reserve_inventory,
                ReservationRequest {
                    order_id: order.order_id.clone(),
                    items: order.items.clone(),
                },
            )
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(30)).retry(
                    RetryPolicy::exponential()
                        .initial_interval(Duration::from_millis(200))
                        .maximum_attempts(3),
                ),
            );
        let (payment, reservation) = ctx.join(payment, reservation).await;
        let (payment, reservation) = (payment?, reservation?);

        ctx.activity(OrderActivities::complete_order, order.order_id.clone())
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        ctx.state_mut(|s| s.status = OrderStatus::Completed);
        Ok(OrderResult {
            order_id: order.order_id,
            status: ctx.state(|s| s.status),
            transaction_id: payment.transaction_id,
            reservation_id: reservation.reservation_id,
            total_cents: record.total_cents,
        })
    }
}

/// The order service's dependencies: a payment gateway with a per-charge limit and a stock
/// table. Methods marked `#[activity]` are the activities.
#[derive(Debug)]
pub struct OrderActivities {
    /// Charges above this amount are declined (not retried).
    pub payment_limit_cents: u64,
    /// Units in stock per SKU.
    pub stock: Mutex<BTreeMap<String, u32>>,
    /// Print each step (the demo) or stay quiet (tests).
    pub verbose: bool,
    next_id: AtomicU64,
}

impl OrderActivities {
    /// Activities with a payment limit and a stock table.
    pub fn new(payment_limit_cents: u64, stock: impl IntoIterator<Item = (String, u32)>) -> Self {
        Self {
            payment_limit_cents,
            stock: Mutex::new(stock.into_iter().collect()),
            verbose: false,
            next_id: AtomicU64::new(1),
        }
    }

    fn say(&self, line: String) {
        if self.verbose {
            println!("  [activity] {line}");
        }
    }

    fn next_id(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

#[activities]
impl OrderActivities {
    /// Validates the order and computes its total.
    #[activity]
    pub async fn create_order(
        &self,
        _ctx: ActivityContext,
        order: OrderInput,
    ) -> Result<OrderRecord, ActivityError> {
        if order.items.is_empty() {
            return Err(ActivityError::non_retryable(
                "InvalidOrder",
                "an order needs at least one item",
            ));
        }
        let total_cents = order
            .items
            .iter()
            .map(|i| u64::from(i.quantity) * i.unit_price_cents)
            .sum();
        self.say(format!(
            "create_order {}: total {} cents",
            order.order_id, total_cents
        ));
        Ok(OrderRecord {
            order_id: order.order_id,
            total_cents,
        })
    }

    /// Charges the customer; declines charges above the limit.
    #[activity]
    pub async fn charge_payment(
        &self,
        ctx: ActivityContext,
        request: PaymentRequest,
    ) -> Result<Payment, ActivityError> {
        ctx.heartbeat(&"contacting the payment gateway")?;
        if request.amount_cents > self.payment_limit_cents {
            self.say(format!("charge_payment {}: declined", request.order_id));
            return Err(ActivityError::non_retryable(
                "PaymentDeclined",
                format!(
                    "card of customer {} declined for {} cents (limit {})",
                    request.customer_id, request.amount_cents, self.payment_limit_cents
                ),
            ));
        }
        let transaction_id = self.next_id("txn");
        self.say(format!(
            "charge_payment {}: {} cents charged, transaction {transaction_id} (attempt {})",
            request.order_id,
            request.amount_cents,
            ctx.info().attempt
        ));
        Ok(Payment {
            transaction_id,
            amount_cents: request.amount_cents,
        })
    }

    /// Reserves stock for every line.
    #[activity]
    pub async fn reserve_inventory(
        &self,
        _ctx: ActivityContext,
        request: ReservationRequest,
    ) -> Result<Reservation, ActivityError> {
        let mut stock = self
            .stock
            .lock()
            .map_err(|_| ActivityError::retryable("StockUnavailable", "stock table poisoned"))?;
        for item in &request.items {
            let available = stock.get(&item.sku).copied().unwrap_or(0);
            if available < item.quantity {
                return Err(ActivityError::non_retryable(
                    "OutOfStock",
                    format!(
                        "{} units of {} requested, {available} in stock",
                        item.quantity, item.sku
                    ),
                ));
            }
        }
        for item in &request.items {
            if let Some(units) = stock.get_mut(&item.sku) {
                *units -= item.quantity;
            }
        }
        drop(stock);
        let reservation_id = self.next_id("rsv");
        self.say(format!(
            "reserve_inventory {}: reservation {reservation_id}",
            request.order_id
        ));
        Ok(Reservation { reservation_id })
    }

    /// Marks the order complete.
    #[activity]
    pub async fn complete_order(
        &self,
        _ctx: ActivityContext,
        order_id: String,
    ) -> Result<(), ActivityError> {
        self.say(format!("complete_order {order_id}"));
        Ok(())
    }
}
