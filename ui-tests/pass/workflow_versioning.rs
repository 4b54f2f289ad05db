// `versioning = ..` sets the workflow's behaviour under worker versioning; without it the
// worker's default applies.
use workflow_runtime::{prelude::*, VersioningBehavior, WorkflowDefinition};

#[derive(Default)]
pub struct Pinned;

#[workflow(versioning = pinned)]
impl Pinned {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
pub struct Upgrading;

#[workflow(name = "Upgrading", versioning = auto_upgrade)]
impl Upgrading {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
pub struct Undeclared;

#[workflow]
impl Undeclared {
    #[run]
    pub async fn run(_ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
        Ok(())
    }
}

const _: () = assert!(matches!(Pinned::VERSIONING, Some(VersioningBehavior::Pinned)));
const _: () = assert!(matches!(Upgrading::VERSIONING, Some(VersioningBehavior::AutoUpgrade)));
const _: () = assert!(Undeclared::VERSIONING.is_none());

fn main() {}
