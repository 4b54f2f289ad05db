use std::time::Duration;

use workflow_runtime::prelude::*;

#[activity(name = "charge")]
async fn charge_payment(ctx: ActivityContext, customer: String, cents: u64) -> Result<String, ActivityError> {
    ctx.heartbeat(&cents)?;
    Ok(format!("{customer}:{cents}"))
}

#[activity]
async fn nothing(_ctx: ActivityContext) -> Result<(), ActivityError> {
    Ok(())
}

pub struct Inventory {
    units: u32,
}

#[activities]
impl Inventory {
    #[activity]
    pub async fn reserve(&self, _ctx: ActivityContext, wanted: u32) -> Result<bool, ActivityError> {
        Ok(wanted <= self.units)
    }

    fn helper(&self) -> u32 {
        self.units
    }
}

#[derive(Default)]
pub struct Checkout {
    reserved: bool,
}

#[workflow(name = "CheckoutWorkflow")]
impl Checkout {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, customer: String, cents: u64) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(5));
        let (paid, reserved) = ctx
            .join(
                ctx.activity(charge_payment, (customer, cents)).options(options.clone()),
                ctx.activity(Inventory::reserve, 2).options(options.clone()),
            )
            .await;
        ctx.activity(nothing, ()).options(options).await?;
        ctx.state_mut(|s| s.reserved = reserved.is_ok());
        ctx.sleep(Duration::from_secs(1)).await?;
        Ok(paid?)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Activities stay callable as plain Rust.
    let ctx = ActivityContext::detached(Default::default());
    assert_eq!(charge_payment(ctx.clone(), "ann".into(), 5).await.unwrap(), "ann:5");
    let inventory = Inventory { units: 3 };
    assert!(inventory.reserve(ctx, 2).await.unwrap());
    assert_eq!(inventory.helper(), 3);

    let client: Option<Client> = None;
    if let Some(client) = client {
        let _worker = Worker::new(&client, "q")
            .workflow::<Checkout>()
            .activity(charge_payment)
            .activity(nothing)
            .activities(inventory);
        let _ = client
            .start(Checkout::run, ("ann".to_owned(), 5), StartOptions::new("id", "q"))
            .await;
    }
}
