use workflow_runtime::prelude::*;

pub struct Order {
    item: String,
}

#[workflow]
impl Order {
    #[init]
    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, item: String) -> WorkflowResult<String> {
        let _ = item;
        Ok(ctx.state(|s| s.item.clone()))
    }
}

pub struct Note {
    text: String,
}

#[workflow]
impl Note {
    #[init]
    #[signal]
    fn new(text: &String) -> Self {
        Self { text: text.clone() }
    }

    #[run]
    pub async fn run(ctx: WorkflowContext<Self>, text: String) -> WorkflowResult<String> {
        let _ = text;
        Ok(ctx.state(|s| s.text.clone()))
    }
}

fn main() {}
