//! The `replay-check` binary against a dev server this test starts: it exits 1 and names the
//! divergence while a run of release 1 is open (the examples' code is release 3, which dropped
//! the legacy branch), 0 once only runs it can replay are open, and 2 on a bad command line or
//! an unreachable server. The connection comes from `TEMPORAL_ADDRESS`, as in a CI job.

use std::{
    process::{Command, Output},
    time::Duration,
};

use examples::versioned_workflow::{release_1, release_2, worker};
use workflow_runtime::{
    RunningWorker, WorkflowDefinition, prelude::*, protos::temporal::api::enums::v1::EventType,
    testing::DevServer,
};

/// Runs the binary with `args` against `address`, with no other Temporal setting of this
/// machine in its environment.
async fn replay_check(address: &str, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_replay-check"));
    for (name, _) in std::env::vars() {
        if name.starts_with("TEMPORAL_") {
            command.env_remove(name);
        }
    }
    command
        .env("TEMPORAL_ADDRESS", address)
        .env("TEMPORAL_NAMESPACE", "default")
        .env("TEMPORAL_CONFIG_FILE", "/nonexistent/temporal.toml")
        .args(args);
    tokio::task::spawn_blocking(move || command.output().expect("run replay-check"))
        .await
        .expect("replay-check")
}

/// Waits (30 s at most) until the run's charge activity completed.
async fn charged(run: &WorkflowHandle<impl WorkflowDefinition>, what: &str) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !run
            .history()
            .await
            .expect("history")
            .iter()
            .any(|event| event.event_type == EventType::ActivityTaskCompleted as i32)
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect(what);
}

/// Runs the check until its summary reports `runs` runs (the visibility store follows the
/// history with a short delay), for at most 30 s.
async fn check_until_listed(address: &str, args: &[&str], runs: usize) -> (Option<i32>, String) {
    let summary = format!("{runs} runs checked");
    for _ in 0..300 {
        let output = replay_check(address, args).await;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if stdout.contains(&summary) {
            return (output.status.code(), stdout);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the check never listed {runs} runs");
}

#[tokio::test]
async fn replay_check_fails_on_an_open_run_the_code_cannot_replay() {
    let server = DevServer::start().await.expect("dev server");
    let client = server.client().await.expect("client");
    let address = server.address().to_owned();
    let queue = "replay-check";
    let query = format!("TaskQueue = '{queue}'");
    let open_runs = ["--query", query.as_str()];

    // A run of release 1 charges through the legacy processor and stays open.
    let release = RunningWorker::start(worker::<release_1::VersionedWorkflow>(&client, queue));
    let old = client
        .start(
            release_1::VersionedWorkflow::run,
            100,
            StartOptions::new("replay-check-old", queue),
        )
        .await
        .expect("start");
    charged(&old, "the legacy charge completes").await;
    release.stop().await.expect("clean shutdown");

    let (code, stdout) = check_until_listed(&address, &open_runs, 1).await;
    assert_eq!(code, Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("FAIL replay-check-old (run ")
            && lines[0].contains("does not match its history at event 5")
            && lines[0].contains("legacy_processor")
            && lines[0].contains("new_processor"),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        "1 runs checked: 0 replayed, 1 diverged, 0 could not be replayed"
    );

    // Release 2 finishes the old run and starts one that records the patch marker: release 3
    // replays every open run now.
    let release = RunningWorker::start(worker::<release_2::VersionedWorkflow>(&client, queue));
    old.signal(release_1::VersionedWorkflow::finish, ())
        .await
        .expect("signal");
    old.result().await.expect("result");
    let new = client
        .start(
            release_2::VersionedWorkflow::run,
            100,
            StartOptions::new("replay-check-new", queue),
        )
        .await
        .expect("start");
    charged(&new, "the new charge completes").await;
    release.stop().await.expect("clean shutdown");
    let (code, stdout) = check_until_listed(&address, &open_runs, 1).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.starts_with("ok   replay-check-new (run ")
            && stdout.contains("VersionedWorkflow, 1"),
        "{stdout}"
    );

    // With closed runs, the finished run of release 1 is checked too, and fails.
    let with_closed = ["--query", query.as_str(), "--include-closed"];
    let (code, stdout) = check_until_listed(&address, &with_closed, 2).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.ends_with("2 runs checked: 1 replayed, 1 diverged, 0 could not be replayed\n"),
        "{stdout}"
    );

    // A limit of one replays the newest run only.
    let newest = [
        "--query",
        query.as_str(),
        "--include-closed",
        "--limit",
        "1",
    ];
    let (code, stdout) = check_until_listed(&address, &newest, 1).await;
    assert_eq!(code, Some(0), "{stdout}");
}

#[tokio::test]
async fn replay_check_exits_2_when_it_cannot_run() {
    let output = replay_check("127.0.0.1:7233", &["--limit", "many"]).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--limit takes a number of runs, not `many`") && stderr.contains("usage:"),
        "{stderr}"
    );

    let output = replay_check("127.0.0.1:7233", &["--verbose"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown argument `--verbose`"));

    // Nothing listens on port 1.
    let output = replay_check("127.0.0.1:1", &[]).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
}
