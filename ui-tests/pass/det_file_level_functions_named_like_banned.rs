#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

/// The file's own functions, named like library calls the check refuses.
fn random() -> u32 {
    4
}

fn sleep(_: Duration) {}

/// The file's own module, with a type named like the clock.
mod clock {
    pub struct Instant(pub u32);

    impl Instant {
        pub fn now() -> Self {
            Instant(0)
        }
    }
}

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<u32> {
        sleep(Duration::from_secs(1));
        Ok(random() + clock::Instant::now().0)
    }
}

fn main() {}
