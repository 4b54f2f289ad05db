//! Eviction and the workflow threads' cache.

use super::*;

#[test]
fn an_eviction_drops_the_run_and_a_replay_from_the_start_rebuilds_it() {
    let threads = threads();
    let start = activation(vec![init::<Checkout>(vec![payload(9_u64)], 7)], false);
    let first = commands(on_thread(&threads, start.clone()));
    let evict = activation(
        vec![Job::RemoveFromCache(RemoveFromCache {
            message: "cache full".to_owned(),
            ..Default::default()
        })],
        false,
    );
    assert!(eviction(&evict).is_some());
    assert!(commands(on_thread(&threads, evict)).is_empty());
    // Without a start job there is nothing to rebuild the run from.
    let orphan = task_failure(on_thread(
        &threads,
        activation(vec![completed(1, payload("txn-9"))], false),
    ));
    assert!(orphan.contains("no cached state"), "{orphan}");
    // Core replays from the start: the same commands come out again.
    let mut replay = start;
    replay.is_replaying = true;
    assert_eq!(commands(on_thread(&threads, replay)), first);
}

#[test]
fn an_unknown_workflow_type_fails_the_task_listing_the_registered_types() {
    let threads = threads();
    let message = task_failure(on_thread(
        &threads,
        activation(vec![init::<Quick>(vec![payload("x")], 7)], false),
    ));
    assert!(
        message.contains(
            "unknown workflow type `Quick`: this worker registers `Approval`, `Blocker`, `Checkout`"
        ),
        "{message}"
    );
}
