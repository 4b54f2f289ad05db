use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Sticky;

// Not a behaviour Temporal defines.
#[workflow(versioning = sticky)]
impl Sticky {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
pub struct Quoted;

// A path, not a string.
#[workflow(versioning = "pinned")]
impl Quoted {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
pub struct Twice;

#[workflow(versioning = pinned, versioning = auto_upgrade)]
impl Twice {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

// The definitions are still emitted: registering the workflows adds no error of its own.
fn register(client: &Client) -> Worker {
    Worker::new(client, "q")
        .workflow::<Sticky>()
        .workflow::<Quoted>()
        .workflow::<Twice>()
}

fn main() {}
