use workflow_runtime::{ScheduleAction, prelude::*};

#[derive(Default)]
pub struct Cleanup;

#[workflow]
impl Cleanup {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>, cutoff_hours: u32) -> WorkflowResult<u32> {
        Ok(cutoff_hours)
    }
}

// The scheduled action names the `#[run]` method: its input type is checked.
fn action() -> ScheduleAction {
    ScheduleAction::start_workflow(Cleanup::run, "a day", StartOptions::new("cleanup", "q"))
        .expect("encodes")
}

fn main() {}
