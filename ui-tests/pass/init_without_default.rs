use std::time::Duration;

use workflow_runtime::prelude::*;

/// No `Default`: `new` builds the state from the run's input.
pub struct Budget {
    owner: String,
    limit: u64,
    spent: u64,
}

#[workflow]
impl Budget {
    // A `&str` for the run's `String` is fine too: the borrow coerces.
    #[init]
    pub fn new(owner: &str, limit: &u64) -> Self {
        Self {
            owner: owner.to_owned(),
            limit: *limit,
            spent: 0,
        }
    }

    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        owner: String,
        limit: u64,
    ) -> WorkflowResult<String> {
        ctx.wait_condition(move |s| s.spent >= limit).await?;
        ctx.all_handlers_finished().await;
        Ok(format!("{owner} spent {}", ctx.state(|s| s.spent)))
    }

    #[signal]
    pub fn spend(&mut self, amount: u64) {
        self.spent += amount;
    }

    #[signal]
    pub async fn spend_later(ctx: WorkflowContext<Self>, amount: u64) {
        if ctx.sleep(Duration::from_secs(1)).await.is_ok() {
            ctx.state_mut(|s| s.spent += amount);
        }
    }

    #[query]
    pub fn left(&self) -> u64 {
        self.limit - self.spent
    }

    #[update(validator = Self::check_raise)]
    pub fn raise(&mut self, by: u64) -> WorkflowResult<u64> {
        self.limit += by;
        Ok(self.limit)
    }

    fn check_raise(&self, by: &u64) -> WorkflowResult<()> {
        if *by > self.limit {
            return Err(WorkflowError::application(
                "TooMuch",
                format!("{} may double at most", self.owner),
            ));
        }
        Ok(())
    }
}

/// A run without arguments has an `#[init]` without arguments; the return type may name the
/// workflow type instead of `Self`.
pub struct Tally {
    count: u32,
}

#[workflow]
impl Tally {
    #[init]
    fn start() -> Tally {
        Tally { count: 1 }
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        ctx.wait_condition(|s| s.count >= 3).await?;
        Ok(ctx.state(|s| s.count))
    }

    #[signal]
    pub fn bump(&mut self) {
        self.count += 1;
    }
}

/// One argument of a non-payload-looking type: the borrow is `&Order`.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub items: Vec<String>,
}

pub struct Picking {
    left: Vec<String>,
}

#[workflow]
impl Picking {
    #[init]
    fn new(order: &Order) -> Self {
        Self {
            left: order.items.clone(),
        }
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, order: Order) -> WorkflowResult<usize> {
        ctx.wait_condition(|s| s.left.is_empty()).await?;
        Ok(order.items.len())
    }

    #[signal]
    pub fn picked(&mut self, item: String) {
        self.left.retain(|left| *left != item);
    }
}

#[allow(dead_code)]
async fn drive(client: Client) -> Result<(), workflow_runtime::ClientError> {
    let options = |id: &str| StartOptions::new(id, "q");
    let handle = client
        .signal_with_start(
            Budget::run,
            ("ana".to_owned(), 10),
            options("b"),
            Budget::spend,
            3,
        )
        .await?;
    let _: u64 = handle.query(Budget::left, ()).await?;
    let (_handle, _limit): (WorkflowHandle<Budget>, u64) = client
        .update_with_start(
            Budget::run,
            ("bo".to_owned(), 10),
            options("b2"),
            Budget::raise,
            5,
        )
        .await?;
    client
        .signal_with_start(Tally::run, (), options("t"), Tally::bump, ())
        .await?;
    let order = Order {
        items: vec!["book".to_owned()],
    };
    client
        .signal_with_start(
            Picking::run,
            order,
            options("p"),
            Picking::picked,
            "book".to_owned(),
        )
        .await?;
    Ok(())
}

fn main() {}
