//! Deadlock detection: the watchdog of the workflow threads.

use super::*;

/// `activation` for another run than [`RUN_ID`].
fn for_run(run_id: &str, mut activation: WorkflowActivation) -> WorkflowActivation {
    activation.run_id = run_id.to_owned();
    activation
}

/// Evictions the watchdog requested, and a callback that records them.
fn recorded_evictions() -> (std::sync::Arc<std::sync::Mutex<Vec<String>>>, Evict) {
    let evicted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorder = std::sync::Arc::clone(&evicted);
    let evict: Evict = std::sync::Arc::new(move |run_id: &str| {
        recorder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(run_id.to_owned())
    });
    (evicted, evict)
}

/// Opens `gate` after a minute, so that a broken watchdog fails its test instead of hanging it.
fn open_later(gate: &'static Gate) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        gate.open();
    });
}

#[test]
fn a_blocked_handler_fails_its_task_as_a_deadlock_and_a_fresh_thread_serves_the_others() {
    let (evicted, evict) = recorded_evictions();
    let threads = threads_with(Some(Duration::from_millis(200)), evict);
    open_later(&SIGNAL_GATE);
    // A run cached on the thread before it gets stuck.
    let cached = for_run(
        "cached-run",
        activation(vec![init::<Approval>(vec![payload(60_u64)], 7)], false),
    );
    assert_eq!(commands(on_thread(&threads, cached)).len(), 1, "its timer");
    let blocker = activation(vec![init::<Blocker>(vec![payload(false)], 7)], false);
    assert!(commands(on_thread(&threads, blocker)).is_empty());

    // The stuck activation, then one of the cached run that waits behind it.
    let stuck = threads.dispatch(activation(vec![signal("stall", vec![])], false));
    let behind = threads.dispatch(for_run(
        "cached-run",
        activation(vec![signal("approve", vec![payload(true)])], false),
    ));
    let message = task_failure(futures::executor::block_on(stuck).expect("the watchdog answers"));
    for expected in [
        "[TMPRL1101] Potential deadlock detected",
        "workflow `Blocker` (workflow id `wf-1`, run id `run-1`)",
        "did not yield within 200ms while running signal handler `stall`",
        "Worker::deadlock_detection_timeout",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    // The cached run's state was lost with the stuck thread: its waiting task fails naming the
    // cause, and core is asked to evict it so it replays on the fresh thread.
    let lost = task_failure(futures::executor::block_on(behind).expect("the fresh thread answers"));
    assert!(
        lost.contains("cached state of this run was lost") && lost.contains("workflow `Blocker`"),
        "{lost}"
    );
    // The watchdog asks for the evictions right after it answers; the fresh thread may be first.
    let evictions = || evicted.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let asked = std::time::Instant::now();
    while evictions().is_empty() && asked.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        evictions(),
        vec!["cached-run".to_owned()],
        "only the runs cached on the stuck thread are evicted; core evicts the failed one"
    );

    // The fresh thread serves new runs and replays while the stuck one is still blocked.
    let fresh = for_run(
        "fresh-run",
        activation(vec![init::<Checkout>(vec![payload(9_u64)], 7)], false),
    );
    assert_eq!(commands(on_thread(&threads, fresh)).len(), 1);
    let evict_stuck = activation(
        vec![Job::RemoveFromCache(RemoveFromCache::default())],
        false,
    );
    assert!(commands(on_thread(&threads, evict_stuck)).is_empty());
    let mut replay = for_run(
        "cached-run",
        activation(vec![init::<Approval>(vec![payload(60_u64)], 7)], true),
    );
    replay.is_replaying = true;
    assert_eq!(commands(on_thread(&threads, replay)).len(), 1);

    // The stuck run's retried task blocks again, on the quarantine thread now: the runs on the
    // fresh thread keep their state and no other eviction is asked for.
    let retried = activation(vec![init::<Blocker>(vec![payload(false)], 7)], false);
    assert!(commands(on_thread(&threads, retried)).is_empty());
    let again = task_failure(on_thread(
        &threads,
        activation(vec![signal("stall", vec![])], false),
    ));
    assert!(again.contains("Potential deadlock detected"), "{again}");
    let approve = for_run(
        "cached-run",
        activation(vec![signal("approve", vec![payload(true)])], false),
    );
    assert!(!commands(on_thread(&threads, approve)).is_empty());
    assert_eq!(evictions(), vec!["cached-run".to_owned()]);

    // Once unblocked, the abandoned threads discard their late results and stop; the shards
    // keep answering through the fresh threads, each activation once.
    SIGNAL_GATE.open();
    let next = for_run(
        "fresh-run",
        activation(vec![completed(1, payload("txn-9"))], false),
    );
    assert!(!commands(on_thread(&threads, next)).is_empty());
}

#[test]
fn a_blocked_run_is_named_as_such_and_a_quick_activation_is_not_a_deadlock() {
    let threads = threads_with(
        Some(Duration::from_millis(200)),
        std::sync::Arc::new(|_| {}),
    );
    open_later(&RUN_GATE);
    // Activations that return in time, one after another, never trip the watchdog.
    for round in 0..5 {
        let quick = for_run(
            &format!("quick-{round}"),
            activation(vec![init::<Checkout>(vec![payload(9_u64)], 7)], false),
        );
        assert_eq!(commands(on_thread(&threads, quick)).len(), 1);
        std::thread::sleep(Duration::from_millis(60));
    }
    let message = task_failure(on_thread(
        &threads,
        activation(vec![init::<Blocker>(vec![payload(true)], 7)], false),
    ));
    assert!(
        message.contains("workflow `Blocker` (workflow id `wf-1`, run id `run-1`)")
            && message.contains("while running `run`"),
        "{message}"
    );
    RUN_GATE.open();
}

#[test]
fn the_deadlock_message_says_what_ran_and_what_to_do() {
    let message = deadlock_message(
        "workflow `W` (workflow id `w`, run id `r`)",
        None,
        Duration::from_secs(2),
    );
    assert!(
        message.contains("did not yield within 2s while applying its activation"),
        "{message}"
    );
    assert!(
        message.contains("ctx.sleep()") && message.contains("activity"),
        "{message}"
    );
}
