//! The main demo: provisions and starts a Temporal dev server (with its web UI), runs a worker
//! with the order workflow and its activities, and runs three orders end to end: one that
//! ships (its status queried and its address changed by an update while it waits), one whose
//! payment is declined, and one cancelled by a signal (refund and stock release run as
//! compensating activities).
//!
//! ```text
//! cargo run --example order                 # stop the server at the end
//! cargo run --example order -- --keep-server  # keep it (and the UI) up until Ctrl-C
//! ```
//! With `TEMPORAL_ADDRESS` set, the demo uses that server instead of starting one.
//!
//! The workflow, its activities and types are in `examples/src/order_workflow.rs`.

use std::time::Duration;

use examples::order_workflow::{
    Address, LineItem, OrderActivities, OrderInput, OrderResult, OrderStatus, OrderWorkflow,
    TASK_QUEUE,
};
use workflow_runtime::{ClientError, prelude::*, testing::DevServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    examples::init_logging("warn,workflow_runtime=info");
    let keep_server = std::env::args().any(|a| a == "--keep-server");

    let (server, client) = if std::env::var_os("TEMPORAL_ADDRESS").is_some() {
        println!("Using the Temporal server of TEMPORAL_ADDRESS");
        (None, Client::connect(ClientOptions::from_env()?).await?)
    } else {
        println!("Starting a Temporal dev server (installing the pinned CLI on first use)...");
        let server = DevServer::builder().ui(true).start().await?;
        println!("Temporal dev server at {}", server.address());
        let client = server.client().await?;
        (Some(server), client)
    };

    let mut activities = OrderActivities::new(
        50_000,
        [("WIDGET".to_owned(), 100), ("GADGET".to_owned(), 10)],
    );
    activities.verbose = true;
    let worker = Worker::new(&client, TASK_QUEUE)
        .workflow::<OrderWorkflow>()
        .activities(activities);
    let shutdown = worker.shutdown_handle();
    let worker = tokio::spawn(worker.run());

    let run_tag = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let address = |street: &str, city: &str| Address {
        street: street.into(),
        city: city.into(),
    };
    let widgets = |quantity| LineItem {
        sku: "WIDGET".into(),
        quantity,
        unit_price_cents: 1_250,
    };
    let history = |workflow_id: &str| {
        if let Some(ui) = server.as_ref().and_then(|s| s.ui_url()) {
            println!("History: {ui}/namespaces/default/workflows/{workflow_id}");
        }
    };

    // 1. An order that ships; while it waits, its status is queried and its address updated.
    let workflow_id = format!("order-{run_tag}-1");
    println!("\nStarting OrderWorkflow `{workflow_id}` on task queue `{TASK_QUEUE}`");
    let order = OrderInput {
        order_id: workflow_id.clone(),
        customer_id: "alice".into(),
        items: vec![
            widgets(3),
            LineItem {
                sku: "GADGET".into(),
                quantity: 1,
                unit_price_cents: 9_900,
            },
        ],
        shipping_address: address("1 Old Road", "Lyon"),
        hold_seconds: 2,
    };
    let handle = start_order(&client, order).await?;
    wait_for_payment(&handle).await?;
    println!(
        "Query get_status: {:?}",
        handle.query(OrderWorkflow::get_status, ()).await?
    );
    let previous = handle
        .update(
            OrderWorkflow::update_shipping_address,
            address("5 New Street", "Paris"),
        )
        .await?;
    println!(
        "Update update_shipping_address: accepted (was {}, {})",
        previous.street, previous.city
    );
    match handle
        .update(OrderWorkflow::update_shipping_address, address("", ""))
        .await
    {
        Err(ClientError::UpdateFailed(refused)) => {
            println!(
                "Update with an empty address: rejected ({})",
                refused.message()
            )
        }
        other => println!("Update with an empty address: unexpected {other:?}"),
    }
    print_result(&workflow_id, handle.result().await)?;
    match handle
        .update(
            OrderWorkflow::update_shipping_address,
            address("9 Late Lane", "Nice"),
        )
        .await
    {
        Err(error) => println!("Update after shipping: refused ({error})"),
        Ok(_) => println!("Update after shipping: unexpectedly accepted"),
    }
    history(&workflow_id);

    // 2. A payment above the limit: declined, not retried.
    let workflow_id = format!("order-{run_tag}-2");
    println!("\nStarting OrderWorkflow `{workflow_id}`");
    let order = OrderInput {
        order_id: workflow_id.clone(),
        customer_id: "bob".into(),
        items: vec![LineItem {
            sku: "GADGET".into(),
            quantity: 8,
            unit_price_cents: 9_900,
        }],
        shipping_address: address("2 Side Street", "Lille"),
        hold_seconds: 0,
    };
    let handle = start_order(&client, order).await?;
    print_result(&workflow_id, handle.result().await)?;
    history(&workflow_id);

    // 3. An order cancelled by a signal while it waits: refund and stock release.
    let workflow_id = format!("order-{run_tag}-3");
    println!("\nStarting OrderWorkflow `{workflow_id}`");
    let order = OrderInput {
        order_id: workflow_id.clone(),
        customer_id: "carol".into(),
        items: vec![widgets(2)],
        shipping_address: address("3 Quay", "Nantes"),
        hold_seconds: 60,
    };
    let handle = start_order(&client, order).await?;
    wait_for_payment(&handle).await?;
    handle
        .signal(OrderWorkflow::cancel_order, "changed my mind".to_owned())
        .await?;
    println!("Signal cancel_order sent");
    print_result(&workflow_id, handle.result().await)?;
    history(&workflow_id);

    // 4. An order cancelled through Temporal (`handle.cancel()`, as `temporal workflow cancel`
    //    does) while it waits: the workflow sees the request, refunds and releases the stock,
    //    and the run ends as cancelled.
    let workflow_id = format!("order-{run_tag}-4");
    println!("\nStarting OrderWorkflow `{workflow_id}`");
    let order = OrderInput {
        order_id: workflow_id.clone(),
        customer_id: "dave".into(),
        items: vec![widgets(4)],
        shipping_address: address("4 Hill", "Grenoble"),
        hold_seconds: 60,
    };
    let handle = start_order(&client, order).await?;
    wait_for_payment(&handle).await?;
    handle.cancel().await?;
    println!("Cancellation requested with handle.cancel()");
    match handle.result().await {
        Err(ClientError::Cancelled { .. }) => println!(
            "Order {workflow_id} cancelled; its status query says {:?}",
            handle.query(OrderWorkflow::get_status, ()).await?
        ),
        other => print_result(&workflow_id, other)?,
    }
    history(&workflow_id);

    if keep_server && server.is_some() {
        println!("\nThe dev server stays up; press Ctrl-C to stop it.");
        tokio::signal::ctrl_c().await?;
    }
    shutdown.shutdown();
    tokio::time::timeout(Duration::from_secs(30), worker).await???;
    println!("\nWorker stopped.");
    Ok(())
}

/// Starts an order with its id as the workflow id.
async fn start_order(
    client: &Client,
    order: OrderInput,
) -> Result<WorkflowHandle<OrderWorkflow>, ClientError> {
    let options = StartOptions::new(&order.order_id, TASK_QUEUE);
    client.start(OrderWorkflow::run, order, options).await
}

/// Polls the `get_status` query until the order is paid (the demo's point to interact).
async fn wait_for_payment(
    handle: &WorkflowHandle<OrderWorkflow>,
) -> Result<(), Box<dyn std::error::Error>> {
    for _ in 0..200 {
        let status = handle.query(OrderWorkflow::get_status, ()).await?;
        if !matches!(status, OrderStatus::Pending | OrderStatus::Processing) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the order was not paid within 10 s".into())
}

fn print_result(
    workflow_id: &str,
    result: Result<OrderResult, ClientError>,
) -> Result<(), Box<dyn std::error::Error>> {
    match result {
        Ok(result) if result.cancellation_reason.is_some() => println!(
            "Order {} {:?} ({}): payment {} refunded, reservation {} released",
            result.order_id,
            result.status,
            result.cancellation_reason.unwrap_or_default(),
            result.transaction_id,
            result.reservation_id
        ),
        Ok(result) => println!(
            "Order {} {:?}: {} cents charged (transaction {}), stock reserved ({}), shipped (tracking {})",
            result.order_id,
            result.status,
            result.total_cents,
            result.transaction_id,
            result.reservation_id,
            result.tracking_number.unwrap_or_default()
        ),
        Err(ClientError::Failed(failure)) => println!(
            "Order {workflow_id} failed: {} (error type {})",
            failure.message(),
            failure.error_type().unwrap_or("unknown")
        ),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
