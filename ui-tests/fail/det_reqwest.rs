#![allow(unused)]
use std::time::Duration;

use workflow_runtime::prelude::*;
mod reqwest { pub fn get(_: &str) {} }

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let body = reqwest::get("http://example.com");
        Ok(())
    }
}

fn main() {}
