//! The order workflow: create the order, then charge the payment and reserve the inventory in
//! parallel (each with its own retry policy), hold the order for a while so the customer can
//! change the shipping address or cancel, then ship and complete it.
//!
//! While it runs, the order answers the `get_status` query, accepts the
//! `update_shipping_address` update until it ships, and the `cancel_order` signal undoes what
//! was done (refund, release the stock) with compensating activities. The workflow's own
//! cancellation (a client's `handle.cancel()`, `temporal workflow cancel`) undoes the order
//! the same way and the run ends as cancelled; once shipping has started, the order ignores
//! it and completes.
//!
//! Workflow type `OrderWorkflow`; activities `create_order`, `charge_payment`,
//! `reserve_inventory`, `ship_order`, `complete_order`, `refund_payment` and
//! `release_inventory`, so workers and clients in other languages can call them by name.
//!
//! The demo binary that runs it is `examples/order.rs` (`cargo run --example order`).

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

/// Where an order ships to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
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
    /// Where to ship.
    #[serde(default)]
    pub shipping_address: Address,
    /// How long a paid order waits before it ships, in seconds: the window in which the
    /// customer can still change the address or cancel.
    #[serde(default)]
    pub hold_seconds: u64,
}

/// A shipment to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentRequest {
    /// The order's id.
    pub order_id: String,
    /// Where to.
    pub address: Address,
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
    /// Amount charged, in cents (0 once refunded).
    pub total_cents: u64,
    /// The carrier's tracking number, once shipped.
    pub tracking_number: Option<String>,
    /// Why the order was cancelled, if it was.
    pub cancellation_reason: Option<String>,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderStatus {
    /// Not created yet.
    #[default]
    Pending,
    /// Created, payment and reservation running.
    Processing,
    /// Paid and reserved, waiting to ship: the address can change, the order can be cancelled.
    Paid,
    /// Handed to the carrier.
    Shipping,
    /// Shipped and closed.
    Completed,
    /// Being cancelled: payment refunded and stock released.
    Cancelling,
    /// Cancelled.
    Cancelled,
}

impl OrderStatus {
    fn can_change(self) -> bool {
        matches!(
            self,
            OrderStatus::Pending | OrderStatus::Processing | OrderStatus::Paid
        )
    }
}

/// The order workflow's state.
#[derive(Debug, Default)]
pub struct OrderWorkflow {
    status: OrderStatus,
    order_id: String,
    shipping_address: Address,
    items: Vec<LineItem>,
    payment: Option<Payment>,
    reservation: Option<Reservation>,
    cancel_requested: Option<String>,
    /// A step (activity) of `run` is in flight; cancellation waits until it is done, so it
    /// knows what to undo.
    busy: bool,
}

#[workflow]
impl OrderWorkflow {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, order: OrderInput) -> WorkflowResult<OrderResult> {
        ctx.state_mut(|s| {
            s.order_id = order.order_id.clone();
            s.shipping_address = order.shipping_address.clone();
            s.items = order.items.clone();
            s.busy = true;
        });
        let record = ctx
            .activity(OrderActivities::create_order, order.clone())
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        if Self::cancelled_at_checkpoint(&ctx).await {
            return Ok(Self::cancelled_result(&ctx, &order.order_id));
        }
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
                ActivityOptions::start_to_close(Duration::from_secs(30))
                    .retry(
                        RetryPolicy::exponential()
                            .initial_interval(Duration::from_millis(200))
                            .maximum_attempts(5)
                            .non_retryable_error_types(["PaymentDeclined"]),
                    )
                    // On cancellation, wait for the charge's real outcome, so a charge that went
                    // through is refunded.
                    .cancellation(ActivityCancellation::WaitCancellationCompleted),
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
                ActivityOptions::start_to_close(Duration::from_secs(30))
                    .retry(
                        RetryPolicy::exponential()
                            .initial_interval(Duration::from_millis(200))
                            .maximum_attempts(3),
                    )
                    .cancellation(ActivityCancellation::WaitCancellationCompleted),
            );
        let (payment, reservation) = match ctx.join(payment, reservation).await {
            (Ok(payment), Ok(reservation)) => (payment, reservation),
            (payment, reservation) => {
                // Whatever succeeded is recorded so that it can be undone.
                ctx.state_mut(|s| {
                    s.payment = payment.as_ref().ok().cloned();
                    s.reservation = reservation.as_ref().ok().cloned();
                });
                if ctx.is_cancel_requested() {
                    let cancelled = ctx.cancelled().await;
                    return Self::cancelled_by_request(&ctx, cancelled).await;
                }
                let (payment_done, reserved) =
                    ctx.state(|s| (s.payment.clone(), s.reservation.is_some()));
                Self::compensate(&ctx, payment_done, reserved).await?;
                return Err(match (payment, reservation) {
                    (Err(failed), _) | (_, Err(failed)) => failed.into(),
                    (Ok(_), Ok(_)) => unreachable!("both steps succeeded"),
                });
            }
        };
        ctx.state_mut(|s| {
            s.payment = Some(payment.clone());
            s.reservation = Some(reservation.clone());
            s.status = OrderStatus::Paid;
        });
        if Self::cancelled_at_checkpoint(&ctx).await {
            return Ok(Self::cancelled_result(&ctx, &order.order_id));
        }

        // The customer's window: the address can change and the order can be cancelled.
        let hold = Duration::from_secs(order.hold_seconds);
        let held = ctx
            .wait_condition_for(hold, |s| s.cancel_requested.is_some())
            .await;
        if let Err(cancelled) = held {
            return Self::cancelled_by_request(&ctx, cancelled).await;
        }
        if Self::cancelled_at_checkpoint(&ctx).await {
            return Ok(Self::cancelled_result(&ctx, &order.order_id));
        }

        ctx.state_mut(|s| {
            s.status = OrderStatus::Shipping;
            s.busy = true;
        });
        let shipment = ShipmentRequest {
            order_id: order.order_id.clone(),
            address: ctx.state(|s| s.shipping_address.clone()),
        };
        // Once handed to the carrier the order cannot be cancelled: shipping ignores a
        // cancellation request and the order completes.
        let tracking_number = ctx
            .non_cancellable(async {
                let tracking_number = ctx
                    .activity(OrderActivities::ship_order, shipment)
                    .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                    .await?;
                ctx.activity(OrderActivities::complete_order, order.order_id.clone())
                    .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
                    .await?;
                WorkflowResult::Ok(tracking_number)
            })
            .await?;
        ctx.state_mut(|s| {
            s.status = OrderStatus::Completed;
            s.busy = false;
        });
        // A cancellation that came too late still gets its answer before the run closes.
        ctx.all_handlers_finished().await;
        Ok(OrderResult {
            order_id: order.order_id,
            status: ctx.state(|s| s.status),
            transaction_id: payment.transaction_id,
            reservation_id: reservation.reservation_id,
            total_cents: record.total_cents,
            tracking_number: Some(tracking_number),
            cancellation_reason: None,
        })
    }

    /// Between steps: lets a pending cancellation run, and says whether the order was
    /// cancelled (after the cancellation's compensations finished).
    async fn cancelled_at_checkpoint(ctx: &WorkflowContext<Self>) -> bool {
        ctx.state_mut(|s| s.busy = false);
        if ctx.state(|s| s.cancel_requested.is_none()) {
            ctx.state_mut(|s| s.busy = true);
            return false;
        }
        ctx.all_handlers_finished().await;
        true
    }

    fn cancelled_result(ctx: &WorkflowContext<Self>, order_id: &str) -> OrderResult {
        ctx.state(|s| OrderResult {
            order_id: order_id.to_owned(),
            status: s.status,
            transaction_id: s
                .payment
                .as_ref()
                .map(|p| p.transaction_id.clone())
                .unwrap_or_default(),
            reservation_id: s
                .reservation
                .as_ref()
                .map(|r| r.reservation_id.clone())
                .unwrap_or_default(),
            total_cents: 0,
            tracking_number: None,
            cancellation_reason: s.cancel_requested.clone(),
        })
    }

    /// The workflow's cancellation (`handle.cancel()`, `temporal workflow cancel`): undoes what
    /// was done, then ends the run as cancelled. A `cancel_order` signal already undoing the
    /// order is left to finish.
    async fn cancelled_by_request(
        ctx: &WorkflowContext<Self>,
        cancelled: Cancelled,
    ) -> WorkflowResult<OrderResult> {
        let by_signal = ctx.state(|s| s.cancel_requested.is_some());
        if by_signal {
            ctx.all_handlers_finished().await;
        } else {
            ctx.state_mut(|s| {
                s.cancel_requested = Some(cancelled.reason().to_owned());
                s.status = OrderStatus::Cancelling;
            });
            let (payment, reserved) = ctx.state(|s| (s.payment.clone(), s.reservation.is_some()));
            ctx.non_cancellable(Self::compensate(ctx, payment, reserved))
                .await?;
            ctx.state_mut(|s| s.status = OrderStatus::Cancelled);
        }
        Err(cancelled.into())
    }

    /// Cancels the order unless it has shipped: refunds the payment and releases the stock,
    /// with compensating activities.
    #[signal]
    pub async fn cancel_order(ctx: WorkflowContext<Self>, reason: String) -> WorkflowResult<()> {
        if !ctx.state(|s| s.status.can_change()) || ctx.state(|s| s.cancel_requested.is_some()) {
            tracing::warn!(
                reason,
                "cancellation ignored: the order has shipped or is already being cancelled"
            );
            return Ok(());
        }
        ctx.state_mut(|s| s.cancel_requested = Some(reason));
        // A step in flight finishes first, so what it did is known and can be undone.
        ctx.wait_condition(|s| !s.busy).await?;
        ctx.state_mut(|s| s.status = OrderStatus::Cancelling);
        let (payment, reserved) = ctx.state(|s| (s.payment.clone(), s.reservation.is_some()));
        // The compensations finish even if the workflow's cancellation arrives meanwhile.
        ctx.non_cancellable(Self::compensate(&ctx, payment, reserved))
            .await?;
        ctx.state_mut(|s| s.status = OrderStatus::Cancelled);
        Ok(())
    }

    /// Refunds `payment` and releases the order's stock if `reserved`.
    async fn compensate(
        ctx: &WorkflowContext<Self>,
        payment: Option<Payment>,
        reserved: bool,
    ) -> WorkflowResult<()> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10))
            .retry(RetryPolicy::exponential().initial_interval(Duration::from_millis(200)));
        if let Some(payment) = payment {
            ctx.activity(OrderActivities::refund_payment, payment)
                .options(options.clone())
                .await?;
        }
        if reserved {
            let release = ctx.state(|s| ReservationRequest {
                order_id: s.order_id.clone(),
                items: s.items.clone(),
            });
            ctx.activity(OrderActivities::release_inventory, release)
                .options(options)
                .await?;
        }
        Ok(())
    }

    /// Where the order stands.
    #[query]
    pub fn get_status(&self) -> OrderStatus {
        self.status
    }

    /// Changes the shipping address; returns the previous one. Refused once the order has
    /// shipped or been cancelled.
    #[update(validator = Self::validate_shipping_address)]
    pub fn update_shipping_address(&mut self, address: Address) -> WorkflowResult<Address> {
        Ok(std::mem::replace(&mut self.shipping_address, address))
    }

    fn validate_shipping_address(&self, address: &Address) -> WorkflowResult<()> {
        if !self.status.can_change() || self.cancel_requested.is_some() {
            return Err(WorkflowError::application(
                "AddressChangeRefused",
                format!(
                    "the order is {:?}: its address can no longer change",
                    self.status
                ),
            ));
        }
        if address.street.trim().is_empty() || address.city.trim().is_empty() {
            return Err(WorkflowError::application(
                "InvalidAddress",
                "an address needs a street and a city",
            ));
        }
        Ok(())
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
    journal: Mutex<Vec<String>>,
}

impl OrderActivities {
    /// Activities with a payment limit and a stock table.
    pub fn new(payment_limit_cents: u64, stock: impl IntoIterator<Item = (String, u32)>) -> Self {
        Self {
            payment_limit_cents,
            stock: Mutex::new(stock.into_iter().collect()),
            verbose: false,
            next_id: AtomicU64::new(1),
            journal: Mutex::new(Vec::new()),
        }
    }

    /// What the shipping and compensation activities did, in order (`ship <order> <city>`,
    /// `refund <transaction>`, `release <order>`).
    pub fn journal(&self) -> Vec<String> {
        self.journal.lock().map(|j| j.clone()).unwrap_or_default()
    }

    fn record(&self, entry: String) {
        if let Ok(mut journal) = self.journal.lock() {
            journal.push(entry);
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

    /// Hands the order to the carrier; returns the tracking number.
    #[activity]
    pub async fn ship_order(
        &self,
        _ctx: ActivityContext,
        shipment: ShipmentRequest,
    ) -> Result<String, ActivityError> {
        let tracking = self.next_id("trk");
        self.say(format!(
            "ship_order {} to {}, {}: tracking {tracking}",
            shipment.order_id, shipment.address.street, shipment.address.city
        ));
        self.record(format!(
            "ship {} {}",
            shipment.order_id, shipment.address.city
        ));
        Ok(tracking)
    }

    /// Compensation: refunds a payment.
    #[activity]
    pub async fn refund_payment(
        &self,
        _ctx: ActivityContext,
        payment: Payment,
    ) -> Result<(), ActivityError> {
        self.say(format!(
            "refund_payment: {} cents back (transaction {})",
            payment.amount_cents, payment.transaction_id
        ));
        self.record(format!("refund {}", payment.transaction_id));
        Ok(())
    }

    /// Compensation: puts reserved stock back.
    #[activity]
    pub async fn release_inventory(
        &self,
        _ctx: ActivityContext,
        request: ReservationRequest,
    ) -> Result<(), ActivityError> {
        let mut stock = self
            .stock
            .lock()
            .map_err(|_| ActivityError::retryable("StockUnavailable", "stock table poisoned"))?;
        for item in &request.items {
            *stock.entry(item.sku.clone()).or_default() += item.quantity;
        }
        drop(stock);
        self.say(format!("release_inventory {}", request.order_id));
        self.record(format!("release {}", request.order_id));
        Ok(())
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
