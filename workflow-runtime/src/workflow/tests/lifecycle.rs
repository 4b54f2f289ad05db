//! Random seeds, workflow time and jobs the run does not know.

use super::*;

#[test]
fn random_values_follow_the_seed_and_its_updates() {
    let (_, commands) = TestRun::start::<Quick>("random");
    assert_eq!(
        completed_with::<u64>(&commands),
        WorkflowRng::new(7).next_u64()
    );
    let (mut run, _) = TestRun::start::<Quick>("random-after-timer");
    let commands = run.commands(vec![
        Job::UpdateRandomSeed(UpdateRandomSeed {
            randomness_seed: 99,
        }),
        fire(1),
    ]);
    assert_eq!(
        completed_with::<u64>(&commands),
        WorkflowRng::new(99).next_u64()
    );
}

#[test]
fn a_job_the_run_does_not_know_fails_the_task_naming_it() {
    let (mut run, _) = TestRun::start::<Approval>(60_u64);
    let message =
        task_failure(run.activate(vec![Job::ResolveNexusOperationStart(Default::default())]));
    assert!(
        message.contains("cannot handle the activation job ResolveNexusOperationStart"),
        "{message}"
    );
}

#[test]
fn workflow_time_is_the_activation_s_timestamp() {
    let first = activation(Vec::new(), false);
    assert_eq!(
        activation_time(&first),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    );
}
