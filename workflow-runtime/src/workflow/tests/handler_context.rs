//! Sync handlers reading the run through `ctx: &HandlerContext`: workflow time, info and
//! random values; queries and validators draw from a copy of the generator.

use std::time::SystemTime;

use super::*;
use crate::HandlerContext;

/// Keeps what its handlers read through their context.
#[derive(Default)]
pub struct Stamped {
    stamps: Vec<(u64, u64)>,
}

#[workflow]
impl Stamped {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<(Vec<(u64, u64)>, u64)> {
        ctx.wait_condition(|s| s.stamps.len() >= 3).await?;
        // The run's next draw, after the handlers' draws.
        Ok((ctx.state(|s| s.stamps.clone()), ctx.random()))
    }

    #[signal]
    fn stamp(&mut self, ctx: &HandlerContext) {
        let seconds = ctx
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        self.stamps.push((seconds, ctx.random()));
    }

    #[query]
    fn peek(&self, ctx: &HandlerContext, label: String) -> (String, u64, u64) {
        (
            format!("{label} {}", ctx.info().workflow_type),
            ctx.random(),
            ctx.random(),
        )
    }

    #[update(validator = Self::not_after_two)]
    fn stamp_twice(&mut self, ctx: &HandlerContext, by: String) -> WorkflowResult<usize> {
        let _ = by;
        self.stamps.push((0, ctx.random()));
        Ok(self.stamps.len())
    }

    fn not_after_two(&self, ctx: &HandlerContext, by: &String) -> WorkflowResult<()> {
        // A validator's draws leave the run's generator alone.
        let _ = ctx.random();
        if self.stamps.len() >= 2 {
            return Err(WorkflowError::application(
                "Full",
                format!("{by} came at {:?}, after two stamps", ctx.now()),
            ));
        }
        Ok(())
    }
}

#[test]
fn sync_handlers_read_time_info_and_random_values_and_queries_leave_the_run_s_draws_alone() {
    let (mut run, _) = TestRun::start_with::<Stamped>(Vec::new(), Vec::new());
    // A query draws twice from its own copy: asked again, it answers the same.
    let first = run.commands(vec![query("peek", vec![payload("seen by")])]);
    let again = run.commands(vec![query("peek", vec![payload("seen by")])]);
    let (label, a, b) = query_value::<(String, u64, u64)>(&first);
    assert_eq!(label, "seen by Stamped");
    assert_ne!(a, b, "two draws");
    assert_eq!(query_value::<(String, u64, u64)>(&again), (label, a, b));

    run.commands(vec![signal("stamp", Vec::new())]);
    run.commands(vec![update(
        "u1",
        "stamp_twice",
        vec![payload("ops")],
        true,
    )]);
    // Full: the validator rejects, naming workflow time.
    let commands = run.commands(vec![update(
        "u2",
        "stamp_twice",
        vec![payload("late")],
        true,
    )]);
    let rejected = commands
        .iter()
        .find_map(|command| match command {
            Command::UpdateResponse(UpdateResponse {
                response: Some(update_response::Response::Rejected(failure)),
                ..
            }) => Some(failure.message.clone()),
            _ => None,
        })
        .expect("the second update is rejected");
    assert!(
        rejected.starts_with("late came at SystemTime"),
        "{rejected}"
    );

    // The run's generator gave the signal the draw the query saw first, and the update the
    // next: queries and validators took nothing from it.
    let commands = run.commands(vec![signal("stamp", Vec::new())]);
    let (stamps, next) = completed_with::<(Vec<(u64, u64)>, u64)>(&commands);
    assert_eq!(stamps[0], (1_700_000_000, a));
    assert_eq!(stamps[1], (0, b));
    let mut expected = crate::workflow::shared::WorkflowRng::new(7);
    let draws: Vec<u64> = (0..4).map(|_| expected.next_u64()).collect();
    assert_eq!(
        [stamps[0].1, stamps[1].1, stamps[2].1, next],
        [draws[0], draws[1], draws[2], draws[3]]
    );
}

#[test]
fn a_detached_context_calls_a_handler_directly_in_a_unit_test() {
    let ctx = HandlerContext::detached("Stamped", SystemTime::UNIX_EPOCH, 7);
    let mut state = Stamped::default();
    Stamped::stamp(&mut state, &ctx);
    assert_eq!(
        state.stamps,
        [(0, crate::workflow::shared::WorkflowRng::new(7).next_u64())]
    );
    assert_eq!(ctx.info().workflow_id, "test-workflow");
    let fraction = ctx.random_f64();
    assert!((0.0..1.0).contains(&fraction), "{fraction}");
}
