#![allow(unused)]
use workflow_runtime::prelude::*;

/// Stands in for rayon's prelude: the check knows its methods by name.
trait ParallelIterator {
    fn par_iter(&self) -> std::slice::Iter<'_, u32>;
}

impl ParallelIterator for Vec<u32> {
    fn par_iter(&self) -> std::slice::Iter<'_, u32> {
        self.iter()
    }
}

#[derive(Default)]
pub struct Checked {
    items: Vec<u32>,
}

#[workflow]
impl Checked {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        let order = 7u32;
        let id = &order as *const u32 as usize;
        let shown = format!("order at {:p}", &order);
        let key = ctx.state(|s| s.items.as_ptr() as u64);
        let raw = std::ptr::addr_of!(order) as usize;
        let seen = std::sync::Mutex::new(Vec::new());
        ctx.state(|s| s.items.par_iter().for_each(|i| seen.lock().unwrap().push(*i)));
        Ok(())
    }
}

fn main() {}
