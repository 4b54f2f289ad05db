use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Notes {
    notes: Vec<String>,
}

#[workflow]
impl Notes {
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
        ctx.wait_condition(|s| s.notes.len() > 2).await?;
        Ok(ctx.state(|s| s.notes.len()))
    }

    // A `String` error does not convert into `WorkflowError`: reported at this return type.
    #[update]
    pub fn add(&mut self, note: String) -> Result<usize, String> {
        self.notes.push(note);
        Ok(self.notes.len())
    }

    #[update]
    pub async fn add_later(ctx: WorkflowContext<Self>, note: String) -> Result<usize, String> {
        Ok(ctx.state_mut(|s| {
            s.notes.push(note);
            s.notes.len()
        }))
    }
}

fn main() {}
