use workflow_runtime::prelude::*;

// One mistake in each item gives one error each: the macros still emit the items' definitions,
// so registering them with a worker adds no error of its own.

// Returns a plain value instead of a `Result`.
#[activity]
async fn greet(_ctx: ActivityContext, name: String) -> String {
    name
}

pub struct Payments {
    fee: u64,
}

#[activities]
impl Payments {
    // Not `async`.
    #[activity]
    fn charge(&self, _ctx: ActivityContext, cents: u64) -> Result<u64, ActivityError> {
        Ok(cents + self.fee)
    }
}

// No `#[run]` method.
#[derive(Default)]
pub struct NoRun;

#[workflow]
impl NoRun {
    pub async fn start(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

fn register(client: &Client) {
    let _worker = Worker::new(client, "q")
        .workflow::<NoRun>()
        .activity(greet)
        .activities(Payments { fee: 1 });
}

fn main() {
    let _ = register;
}
