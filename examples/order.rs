//! The main demo: provisions and starts a Temporal dev server (with its web UI), runs a worker
//! with the order workflow and its activities, and runs two orders end to end: one that
//! completes and one whose payment is declined.
//!
//! ```text
//! cargo run --example order                 # stop the server at the end
//! cargo run --example order -- --keep-server  # keep it (and the UI) up until Ctrl-C
//! ```
//! With `TEMPORAL_ADDRESS` set, the demo uses that server instead of starting one.

use std::time::Duration;

use examples::order::{LineItem, OrderActivities, OrderInput, OrderWorkflow, TASK_QUEUE};
use workflow_runtime::{ClientError, prelude::*, testing::DevServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,workflow_runtime=info".into()),
        )
        .init();
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
    let orders = [
        OrderInput {
            order_id: format!("order-{run_tag}-1"),
            customer_id: "alice".into(),
            items: vec![
                LineItem {
                    sku: "WIDGET".into(),
                    quantity: 3,
                    unit_price_cents: 1_250,
                },
                LineItem {
                    sku: "GADGET".into(),
                    quantity: 1,
                    unit_price_cents: 9_900,
                },
            ],
        },
        OrderInput {
            order_id: format!("order-{run_tag}-2"),
            customer_id: "bob".into(),
            items: vec![LineItem {
                sku: "GADGET".into(),
                quantity: 8,
                unit_price_cents: 9_900,
            }],
        },
    ];
    for order in orders {
        let workflow_id = order.order_id.clone();
        println!("\nStarting OrderWorkflow `{workflow_id}` on task queue `{TASK_QUEUE}`");
        let handle = client
            .start(
                OrderWorkflow::run,
                order,
                StartOptions::new(&workflow_id, TASK_QUEUE),
            )
            .await?;
        match handle.result().await {
            Ok(result) => println!(
                "Order {} {:?}: {} cents charged (transaction {}), stock reserved ({})",
                result.order_id,
                result.status,
                result.total_cents,
                result.transaction_id,
                result.reservation_id
            ),
            Err(ClientError::Failed(failure)) => println!(
                "Order {workflow_id} failed: {} (error type {})",
                failure.message(),
                failure.error_type().unwrap_or("unknown")
            ),
            Err(other) => return Err(other.into()),
        }
        if let Some(ui) = server.as_ref().and_then(|s| s.ui_url()) {
            println!("History: {ui}/namespaces/default/workflows/{workflow_id}");
        }
    }

    if keep_server && server.is_some() {
        println!("\nThe dev server stays up; press Ctrl-C to stop it.");
        tokio::signal::ctrl_c().await?;
    }
    shutdown.shutdown();
    tokio::time::timeout(Duration::from_secs(30), worker).await???;
    println!("\nWorker stopped.");
    Ok(())
}
