"""Writes the crates that bench/compile_time/run.sh builds: one workflow with 1 or 50 handlers
(signals, queries and updates in turn), with this project's macros and with the official Rust
SDK's, each crate outside the workspace as a user's crate is."""

import argparse
import os
import shutil

OURS_HEAD = """use workflow_runtime::prelude::*;

#[derive(Default)]
pub struct Big {
    counter: u64,
}

#[workflow]
impl Big {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, input: u64) -> WorkflowResult<u64> {
        let edit = 0;
        ctx.wait_condition(|s| s.counter > input + edit).await?;
        Ok(ctx.state(|s| s.counter))
    }
"""

OURS_HANDLERS = [
    """
    #[signal]
    fn signal_{i}(&mut self, amount: u64) {{
        self.counter += amount + {i};
    }}
""",
    """
    #[query]
    fn query_{i}(&self) -> u64 {{
        self.counter + {i}
    }}
""",
    """
    #[update]
    fn update_{i}(&mut self, amount: u64) -> WorkflowResult<u64> {{
        self.counter += amount + {i};
        Ok(self.counter)
    }}
""",
]

OURS_TEST = """#[test]
fn registers() {
    let edit = 0;
    let replayer = workflow_runtime::replay::Replayer::new().workflow::<ours::Big>();
    let _ = (replayer, edit);
}
"""

OFFICIAL_TEST = """#[test]
fn registers() {
    let edit = 0;
    let options = temporalio_sdk::WorkerOptions::new("q")
        .register_workflow::<official_rust_anchor::Big>()
        .unwrap()
        .build();
    let _ = (options, edit);
}
"""

OFFICIAL_HEAD = """#![allow(unused_imports)]
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{SyncWorkflowContext, WorkflowContext, WorkflowContextView, WorkflowResult};

#[workflow]
#[derive(Default)]
pub struct Big {
    counter: u64,
}

#[workflow_methods]
impl Big {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<u64> {
        let edit = 0;
        ctx.wait_condition(|s| s.counter > edit).await?;
        Ok(ctx.state(|s| s.counter))
    }
"""

OFFICIAL_HANDLERS = [
    """
    #[signal]
    pub fn signal_{i}(&mut self, _ctx: &mut SyncWorkflowContext<Self>, amount: u64) {{
        self.counter += amount + {i};
    }}
""",
    """
    #[query]
    pub fn query_{i}(&self, _ctx: &WorkflowContextView) -> u64 {{
        self.counter + {i}
    }}
""",
    """
    #[update]
    pub fn update_{i}(&mut self, _ctx: &mut SyncWorkflowContext<Self>, amount: u64) -> u64 {{
        self.counter += amount + {i};
        self.counter
    }}
""",
]


def source(head, handlers, count):
    body = "".join(handlers[i % 3].format(i=i) for i in range(count))
    return head + body + "}\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path) and open(path).read() == text:
        return  # unchanged: keep its timestamp, so builds stay warm
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, help="this repository")
    parser.add_argument("--work", required=True)
    parser.add_argument("--anchor-lock", required=True, help="the official anchor's Cargo.lock")
    parser.add_argument("--handlers", type=int, required=True)
    args = parser.parse_args()
    crate = os.path.join(args.work, "ours")
    write(os.path.join(crate, "Cargo.toml"), f"""[package]
name = "ours"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
workflow-runtime = {{ path = "{args.root}/workflow-runtime" }}
serde = {{ version = "1", features = ["derive"] }}
""")
    # This repository's lock, so that the dependencies are the versions its CI builds.
    if not os.path.exists(os.path.join(crate, "Cargo.lock")):
        shutil.copy(os.path.join(args.root, "Cargo.lock"), os.path.join(crate, "Cargo.lock"))
    write(os.path.join(crate, "src", "lib.rs"), source(OURS_HEAD, OURS_HANDLERS, args.handlers))
    write(os.path.join(crate, "tests", "registers.rs"), OURS_TEST)

    crate = os.path.join(args.work, "official")
    # Named as the anchor, so that the anchor's lock applies as it is.
    write(os.path.join(crate, "Cargo.toml"), """[package]
name = "official-rust-anchor"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
temporalio-sdk = { version = "=1.1.1" }
temporalio-client = { version = "=1.1.1" }
temporalio-common = { version = "=1.1.1" }
temporalio-workflow = { version = "=1.1.1" }
temporalio-macros = { version = "=1.1.2" }
tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
futures = "0.3"
prost = "0.14"
serde_json = "1"
""")
    if not os.path.exists(os.path.join(crate, "Cargo.lock")):
        shutil.copy(args.anchor_lock, os.path.join(crate, "Cargo.lock"))
    write(os.path.join(crate, "src", "lib.rs"),
          source(OFFICIAL_HEAD, OFFICIAL_HANDLERS, args.handlers))
    write(os.path.join(crate, "tests", "registers.rs"), OFFICIAL_TEST)


if __name__ == "__main__":
    main()
