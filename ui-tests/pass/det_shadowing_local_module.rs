#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        mod clock {
            pub struct SystemTime;
            impl SystemTime {
                pub fn now() -> u64 {
                    0
                }
            }
        }
        let t = clock::SystemTime::now();
        Ok(())
    }
}

fn main() {}
