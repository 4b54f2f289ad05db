use workflow_runtime::prelude::*;

#[activity]
async fn greet(name: String) -> Result<String, ActivityError> {
    Ok(name)
}

fn main() {}
