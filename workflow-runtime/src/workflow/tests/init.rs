//! Building the state with `#[init]`, and the order of the start, signals and updates that
//! arrive in one activation.

use super::*;

#[test]
fn a_signal_with_the_start_sees_the_state_init_built_from_the_input() {
    // Signal-with-start: core puts the signal after the start job, in the same activation.
    let (_, commands) = TestRun::start_with::<Ledger>(
        vec![payload(10_u64)],
        vec![signal("add", vec![payload(10_u64)])],
    );
    // The handler read the limit `new` took from the input (a `Default` state would have 0).
    assert_eq!(
        completed_with::<Vec<String>>(&commands),
        ["init 10", "add 10 of 10", "run"]
    );
}

#[test]
fn an_update_with_the_start_is_validated_against_the_state_init_built() {
    let (mut run, commands) = TestRun::start_with::<Ledger>(
        vec![payload(10_u64)],
        vec![
            update("u1", "spend", vec![payload(11_u64)], true),
            update("u2", "spend", vec![payload(4_u64)], true),
        ],
    );
    let responses = update_responses(&commands);
    let [
        update_response::Response::Rejected(rejected),
        update_response::Response::Accepted(()),
        update_response::Response::Completed(left),
    ] = responses.as_slice()
    else {
        panic!("{responses:?}")
    };
    assert_eq!(application_type(rejected), "OverLimit");
    assert_eq!(rejected.message, "11 is over the limit 10");
    assert_eq!(decode::<u64>(left).expect("u64"), 6);
    let commands = run.commands(vec![query("total", Vec::new())]);
    assert_eq!(query_value::<u64>(&commands), 4);
}

#[test]
fn with_the_start_sync_handlers_run_at_once_then_run_then_handler_tasks_in_arrival_order() {
    let (_, commands) = TestRun::start_with::<Ledger>(
        vec![payload(10_u64)],
        vec![
            signal("add_later", vec![payload(1_u64)]),
            update("u1", "spend_later", vec![payload(2_u64)], true),
            signal("add", vec![payload(3_u64)]),
            update("u2", "spend", vec![payload(4_u64)], true),
        ],
    );
    // `new` first; the sync handlers as their jobs are applied; then the tasks in the order
    // they were spawned: `run` (spawned with the run), then the async handlers by arrival.
    assert_eq!(
        completed_with::<Vec<String>>(&commands),
        [
            "init 10",
            "add 3 of 10",
            "spend 4",
            "run",
            "add_later 1",
            "spend_later 2"
        ]
    );
}

#[test]
fn a_panic_in_init_fails_the_task_and_leaves_no_run_cached() {
    let threads = threads();
    let start = activation(vec![init::<Ledger>(vec![payload(0_u64)], 7)], false);
    let message = task_failure(on_thread(&threads, start));
    assert!(
        message.contains("a ledger needs a limit above 0"),
        "{message}"
    );
    // Core retries the task from the start job; a later job alone finds no run.
    let orphan = task_failure(on_thread(
        &threads,
        activation(vec![signal("add", vec![payload(1_u64)])], false),
    ));
    assert!(orphan.contains("no cached state"), "{orphan}");
}
