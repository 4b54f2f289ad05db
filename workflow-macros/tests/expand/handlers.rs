use std::collections::BTreeMap;

use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Order {
    approved: Option<bool>,
    lines: BTreeMap<String, u32>,
}

#[workflow(name = "Orders")]
impl Order {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<bool> {
        ctx.wait_condition(|s| s.approved.is_some()).await?;
        Ok(ctx.state(|s| s.approved == Some(true)))
    }

    #[signal]
    fn approve(&mut self, approved: bool) {
        self.approved = Some(approved);
    }

    #[signal]
    async fn cancel(ctx: WorkflowContext<Self>, reason: String) -> WorkflowResult<()> {
        ctx.state_mut(|s| s.approved = Some(false));
        let _ = reason;
        Ok(())
    }

    #[query]
    fn lines(&self) -> Vec<String> {
        self.lines.keys().cloned().collect()
    }

    #[query]
    fn checked_at(&self, ctx: &HandlerContext) -> std::time::SystemTime {
        ctx.now()
    }

    #[update(validator = Self::check_line)]
    fn add_line(&mut self, item: String, units: u32) -> WorkflowResult<u32> {
        *self.lines.entry(item).or_default() += units;
        Ok(self.lines.values().sum())
    }

    fn check_line(&self, ctx: &HandlerContext, _item: &String, units: &u32) -> WorkflowResult<()> {
        let _ = ctx.info();
        if *units == 0 {
            return Err(WorkflowError::application("Empty", "no units"));
        }
        Ok(())
    }
}
