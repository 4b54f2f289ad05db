//! The saga helper: compensations in reverse order or in parallel, each once, past failures.

use super::*;

/// Charges twice, then fails; `parallel` picks how the two refunds run.
#[derive(Default)]
pub struct DoubleCharge;

#[workflow]
impl DoubleCharge {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, parallel: bool) -> WorkflowResult<String> {
        let saga = if parallel {
            Saga::new(&ctx).parallel()
        } else {
            Saga::new(&ctx)
        };
        let outcome = saga
            .run(async {
                for cents in [10, 20] {
                    let txn = ctx
                        .activity(charge, cents)
                        .options(charge_options())
                        .await?;
                    saga.add_compensation(
                        format!("refund {txn}"),
                        ctx.activity(charge, cents + 1000).options(charge_options()),
                    );
                }
                Err::<(), _>(WorkflowError::application("Broken", "step three"))
            })
            .await;
        let failed = outcome.expect_err("the third step fails");
        let failures: Vec<&str> = failed
            .compensation_failures()
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(failed.error().error_type(), Some("Broken"));
        // Nothing is left to compensate a second time.
        assert!(
            saga.compensate(WorkflowError::application("Again", ""))
                .await
                .compensation_failures()
                .is_empty()
        );
        Ok(failures.join(","))
    }
}

fn compensation_amounts(commands: &[Command]) -> Vec<u64> {
    commands
        .iter()
        .map(|c| decode::<u64>(&scheduled_activity(c).arguments[0]).expect("an amount"))
        .collect()
}

#[test]
fn compensations_run_in_reverse_one_at_a_time_and_a_failure_does_not_stop_the_rest() {
    let (mut run, _) = TestRun::start::<DoubleCharge>(false);
    run.commands(vec![completed(1, payload("txn-10"))]);
    let commands = run.commands(vec![completed(2, payload("txn-20"))]);
    assert_eq!(
        compensation_amounts(&commands),
        [1020],
        "the last step's first"
    );
    let failed = activity_result::Failure {
        failure: Some(application("RefundFailed", "gateway down")),
        ..Default::default()
    };
    let commands = run.commands(vec![resolve(
        3,
        activity_resolution::Status::Failed(failed),
    )]);
    assert_eq!(
        compensation_amounts(&commands),
        [1010],
        "the next one still runs"
    );
    let commands = run.commands(vec![completed(4, payload("txn-1010"))]);
    assert_eq!(completed_with::<String>(&commands), "refund txn-20");
}

#[test]
fn parallel_compensations_start_together() {
    let (mut run, _) = TestRun::start::<DoubleCharge>(true);
    run.commands(vec![completed(1, payload("txn-10"))]);
    let commands = run.commands(vec![completed(2, payload("txn-20"))]);
    assert_eq!(compensation_amounts(&commands), [1010, 1020]);
    let commands = run.commands(vec![completed(3, payload("a")), completed(4, payload("b"))]);
    assert_eq!(completed_with::<String>(&commands), "");
}
