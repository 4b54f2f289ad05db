//! The order saga: reserve the stock, charge the payment, wait for the warehouse's pick-up
//! window, ship. Each step that succeeds records its compensation; when a later step fails,
//! or the workflow is cancelled, the compensations run in reverse order (refund, then
//! release) and the original error is returned.

use std::{sync::Mutex, time::Duration};

use serde::{Deserialize, Serialize};
use workflow_runtime::prelude::*;

/// An order for the saga.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaOrder {
    /// The order's id.
    pub order_id: String,
    /// The amount to charge, in cents.
    pub amount_cents: u64,
    /// Seconds to wait for the warehouse's pick-up window before shipping.
    pub pick_up_wait_seconds: u64,
    /// Whether the carrier refuses the shipment (to see the saga compensate).
    pub carrier_refuses: bool,
}

/// The saga's activities; each writes a line to a journal so the order of the steps and
/// compensations can be checked.
#[derive(Debug, Default)]
pub struct SagaActivities {
    journal: Mutex<Vec<String>>,
}

impl SagaActivities {
    /// The steps and compensations run so far, in order.
    pub fn journal(&self) -> Vec<String> {
        self.journal.lock().map(|j| j.clone()).unwrap_or_default()
    }

    fn record(&self, line: String) {
        if let Ok(mut journal) = self.journal.lock() {
            journal.push(line);
        }
    }
}

#[activities]
impl SagaActivities {
    /// Reserves the order's stock.
    #[activity]
    pub async fn reserve_stock(
        &self,
        _ctx: ActivityContext,
        order_id: String,
    ) -> Result<String, ActivityError> {
        self.record(format!("reserve {order_id}"));
        Ok(format!("rsv-{order_id}"))
    }

    /// Releases a reservation.
    #[activity]
    pub async fn release_stock(
        &self,
        _ctx: ActivityContext,
        reservation: String,
    ) -> Result<(), ActivityError> {
        self.record(format!("release {reservation}"));
        Ok(())
    }

    /// Charges the payment.
    #[activity]
    pub async fn charge(
        &self,
        _ctx: ActivityContext,
        order_id: String,
        amount_cents: u64,
    ) -> Result<String, ActivityError> {
        self.record(format!("charge {order_id} {amount_cents}"));
        Ok(format!("txn-{order_id}"))
    }

    /// Refunds a payment.
    #[activity]
    pub async fn refund(
        &self,
        _ctx: ActivityContext,
        transaction: String,
    ) -> Result<(), ActivityError> {
        self.record(format!("refund {transaction}"));
        Ok(())
    }

    /// Hands the order to the carrier, which may refuse it.
    #[activity]
    pub async fn ship(
        &self,
        _ctx: ActivityContext,
        order_id: String,
        refuse: bool,
    ) -> Result<String, ActivityError> {
        self.record(format!("ship {order_id}"));
        if refuse {
            return Err(ActivityError::non_retryable(
                "ShipmentRefused",
                format!("the carrier refused order {order_id}"),
            ));
        }
        Ok(format!("trk-{order_id}"))
    }
}

/// The order saga; it holds no state of its own.
#[derive(Debug, Default)]
pub struct OrderSagaWorkflow;

#[workflow]
impl OrderSagaWorkflow {
    /// Reserves, charges, waits for pick-up and ships; returns the tracking number.
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, order: SagaOrder) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10))
            .retry(RetryPolicy::exponential().maximum_attempts(3));
        let saga = Saga::new(&ctx);
        let tracking = saga
            .run(async {
                let reservation = ctx
                    .activity(SagaActivities::reserve_stock, order.order_id.clone())
                    .options(options.clone())
                    .await?;
                saga.add_compensation(
                    "release the stock",
                    ctx.activity(SagaActivities::release_stock, reservation)
                        .options(options.clone()),
                );
                let transaction = ctx
                    .activity(
                        SagaActivities::charge,
                        (order.order_id.clone(), order.amount_cents),
                    )
                    .options(options.clone())
                    .await?;
                saga.add_compensation(
                    "refund the payment",
                    ctx.activity(SagaActivities::refund, transaction)
                        .options(options.clone()),
                );
                ctx.sleep(Duration::from_secs(order.pick_up_wait_seconds))
                    .await?;
                let tracking = ctx
                    .activity(
                        SagaActivities::ship,
                        (order.order_id.clone(), order.carrier_refuses),
                    )
                    .options(options.clone())
                    .await?;
                Ok(tracking)
            })
            .await?;
        Ok(tracking)
    }
}
