#![allow(unused)]
use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Checked;

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let (a, b) = (1u32, 1u32);
        // Comparing addresses decides nothing that differs on replay; printing braces is text.
        let same = std::ptr::eq(&a, &b);
        let size = 3u8 as usize;
        Ok(format!("{{:p}} {same} {size:>4}"))
    }
}

fn main() {}
