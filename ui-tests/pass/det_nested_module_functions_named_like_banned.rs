#![allow(unused)]
use std::env::var;

use workflow_runtime::prelude::*;

/// The file imports `std::env::var`, but the workflow's own module defines its own `var`: a
/// module sees only its own `use` items, so the call is the module's function.
mod settings {
    use workflow_runtime::prelude::*;

    fn var(name: &str) -> &str {
        name
    }

    #[derive(Default)]
    pub struct Settings;

    #[workflow]
    impl Settings {
        #[run]
        pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
            type Id = u64;
            let id = Id::MAX;
            Ok(var("REGION").to_owned())
        }
    }
}

fn main() {}
