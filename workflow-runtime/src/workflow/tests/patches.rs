//! Patches in the run state machine: the branch a run takes and the markers it records, new
//! and on replay (core's rule, as the Python and TypeScript SDKs apply it).

use temporalio_common::protos::coresdk::{
    workflow_activation::NotifyHasPatch, workflow_commands::SetPatchMarker,
};

use super::*;

/// Asks for patch `v2` before and after a timer, and in an async signal handler.
#[derive(Default)]
pub struct Patched {
    handler_branch: Option<bool>,
}

#[workflow]
impl Patched {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        let first = ctx.patched("v2");
        ctx.sleep(Duration::from_secs(1)).await?;
        let again = ctx.patched("v2");
        let handler = ctx.state(|s| s.handler_branch);
        Ok(format!("{first}/{again}/{handler:?}"))
    }

    #[signal]
    async fn nudge(ctx: WorkflowContext<Self>) {
        let branch = ctx.patched("nudge-v2");
        ctx.state_mut(|s| s.handler_branch = Some(branch));
    }
}

fn marker(id: &str) -> Command {
    Command::SetPatchMarker(SetPatchMarker {
        patch_id: id.to_owned(),
        deprecated: false,
    })
}

fn has_patch(id: &str) -> Job {
    Job::NotifyHasPatch(NotifyHasPatch {
        patch_id: id.to_owned(),
    })
}

fn is_timer(command: &Command) -> bool {
    matches!(command, Command::StartTimer(_))
}

/// Starts a run whose first activation replays history, with `more` jobs after the start job.
fn replay_start(more: Vec<Job>) -> (TestRun, Vec<Command>) {
    let (mut run, mut first) =
        TestRun::begin::<Patched>(Vec::new(), more, 7, &Interceptors::default());
    first.is_replaying = true;
    let commands = commands(run.run.activate(first));
    (run, commands)
}

#[test]
fn a_new_run_records_the_marker_once_and_takes_the_new_branch() {
    let (mut run, commands) = TestRun::start_with::<Patched>(Vec::new(), Vec::new());
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert_eq!(commands[0], marker("v2"));
    assert!(is_timer(&commands[1]), "{commands:?}");
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(commands.len(), 1, "no second marker: {commands:?}");
    assert_eq!(completed_with::<String>(&commands), "true/true/None");
}

#[test]
fn a_history_without_the_marker_keeps_the_old_branch_on_later_tasks() {
    let (mut run, commands) = replay_start(Vec::new());
    assert_eq!(
        commands.len(),
        1,
        "no marker on the old branch: {commands:?}"
    );
    assert!(is_timer(&commands[0]));
    // The next task is new work, yet the run already went the old way.
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "false/false/None");
}

#[test]
fn a_history_with_the_marker_replays_into_the_new_branch() {
    let (mut run, commands) = replay_start(vec![has_patch("v2")]);
    assert_eq!(commands[0], marker("v2"));
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "true/true/None");
}

#[test]
fn an_async_handler_asks_too() {
    let (mut run, _) = TestRun::start_with::<Patched>(Vec::new(), Vec::new());
    let commands = run.commands(vec![signal("nudge", Vec::new())]);
    assert_eq!(commands, vec![marker("nudge-v2")]);
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "true/true/Some(true)");
}
