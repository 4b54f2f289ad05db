#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let text = "SystemTime::now() and rand::random() are banned";
        let n = text.len();
        let formatted = format!("{} {}", "tokio::spawn", n);
        Ok(())
    }
}

fn main() {}
