#![allow(unused)]
use std::env::var;
use std::fs::read_to_string;
use std::thread::sleep;
use std::time::{Duration, Instant as Clock};

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        sleep(Duration::from_millis(10));
        let region = var("REGION");
        let config = read_to_string("config.toml");
        let started = Clock::now();
        Ok(())
    }
}

fn main() {}
