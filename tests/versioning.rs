//! Patching against the dev server, with the three releases of `examples::versioned_workflow`:
//! a run started on old code finishes on the old branch after the worker is replaced by
//! patched code, a new run takes the new branch and records the marker, and after the patch is
//! deprecated the histories that may still exist replay.

use examples::versioned_workflow::{
    release_1::VersionedWorkflow as Release1, release_2::VersionedWorkflow as Release2,
    release_2_unpatched::VersionedWorkflow as Release2Unpatched,
    release_3::VersionedWorkflow as Release3, worker as release_worker,
};
use tests::{
    PATIENCE, PythonWorker, client, eventually, first_event, history_events, python,
    python_scripts, task_queue, warnings_containing,
};
use workflow_runtime::{
    DeploymentVersion, RunningWorker, UntypedWorkflowHandle, VersioningBehavior,
    WorkflowDefinition, WorkflowExecution,
    prelude::*,
    protos::temporal::api::{enums::v1::EventType, history::v1::history_event::Attributes},
    replay::{Replayer, ServerRuns, WorkflowHistory},
};

fn worker<W: WorkflowDefinition>(client: &Client, queue: &str) -> RunningWorker {
    RunningWorker::start(release_worker::<W>(client, queue))
}

/// The patch markers of the run's history: each patch id, and whether it was deprecated. Core
/// writes them as `core_patch` markers whose `patch-data` detail is `{"id": .., "deprecated": ..}`.
async fn patch_markers(handle: &UntypedWorkflowHandle) -> Vec<(String, bool)> {
    history_events(handle, EventType::MarkerRecorded)
        .await
        .into_iter()
        .filter_map(|event| match event.attributes {
            Some(Attributes::MarkerRecordedEventAttributes(marker)) => Some(marker),
            _ => None,
        })
        .filter(|marker| marker.marker_name == "core_patch")
        .map(|marker| {
            let data = marker
                .details
                .get("patch-data")
                .and_then(|payloads| payloads.payloads.first())
                .map(|payload| serde_json::from_slice::<serde_json::Value>(&payload.data))
                .expect("a patch-data detail")
                .expect("JSON");
            (
                data["id"].as_str().unwrap_or_default().to_owned(),
                data["deprecated"].as_bool().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_patch_lets_old_runs_finish_on_the_old_branch_and_new_runs_take_the_new_one() {
    let client = client().await;
    let queue = task_queue("patching");
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);

    // Release 1: a run charges through the legacy processor and stays open.
    let v1 = worker::<Release1>(&client, &queue);
    let old = client
        .start(Release1::run, 100, options("old"))
        .await
        .expect("start");
    // The legacy charge completed.
    first_event(old.untyped(), EventType::ActivityTaskCompleted).await;
    v1.stop().await.expect("clean shutdown");

    // Release 2 replaces it: the open run replays without the marker and keeps the old
    // branch; a new run takes the new branch and records the marker.
    let v2 = worker::<Release2>(&client, &queue);
    let new = client
        .start(Release2::run, 100, options("new"))
        .await
        .expect("start");
    eventually(PATIENCE, "the new run's marker", || async {
        match patch_markers(new.untyped()).await.as_slice() {
            [] => Err("no marker yet"),
            _ => Ok(()),
        }
    })
    .await;
    // Both runs are open; only the old one may still need the legacy branch.
    let on_queue = format!("TaskQueue = '{queue}'");
    let needs_old_branch = || async {
        client
            .runs_without_patch(&on_queue, "new-processor")
            .await
            .expect("runs without the patch")
            .into_iter()
            .map(|run| run.workflow_id)
            .collect::<Vec<_>>()
    };
    eventually(
        PATIENCE,
        "the old run, alone, to lack the marker",
        || async {
            let ids = needs_old_branch().await;
            if ids == [format!("{queue}-old")] {
                Ok(())
            } else {
                Err(ids)
            }
        },
    )
    .await;
    old.signal(Release1::finish, ()).await.expect("signal");
    assert_eq!(
        tokio::time::timeout(PATIENCE, old.result())
            .await
            .expect("the old run finishes on the patched worker")
            .expect("result"),
        "legacy:100"
    );
    eventually(PATIENCE, "no open run to lack the marker", || async {
        let ids = needs_old_branch().await;
        if ids.is_empty() { Ok(()) } else { Err(ids) }
    })
    .await;
    new.signal(Release2::finish, ()).await.expect("signal");
    assert_eq!(new.result().await.expect("result"), "new:100");
    assert!(patch_markers(old.untyped()).await.is_empty());
    assert_eq!(
        patch_markers(new.untyped()).await,
        [("new-processor".to_owned(), false)]
    );
    v2.stop().await.expect("clean shutdown");

    let old_history = old.fetch_history().await.expect("history");
    let new_history = new.fetch_history().await.expect("history");
    let patched = Replayer::new().workflow::<Release2>();
    patched
        .replay(&old_history)
        .await
        .expect("the pre-patch history replays into the old branch");
    patched
        .replay(&new_history)
        .await
        .expect("the marker-holding history replays into the new branch");
    let unpatched = Replayer::new().workflow::<Release1>();
    assert!(
        unpatched.replay(&new_history).await.is_err(),
        "release 1 cannot replay a run that took the new branch"
    );

    // Release 3 deprecates the patch: marker-holding histories and its own runs replay; a
    // pre-patch history would not, which is why the legacy branch goes only once no such run
    // is open.
    let v3 = worker::<Release3>(&client, &queue);
    let deprecated = client
        .start(Release3::run, 100, options("deprecated"))
        .await
        .expect("start");
    deprecated
        .signal(Release3::finish, ())
        .await
        .expect("signal");
    assert_eq!(deprecated.result().await.expect("result"), "new:100");
    v3.stop().await.expect("clean shutdown");
    assert_eq!(
        patch_markers(deprecated.untyped()).await,
        [("new-processor".to_owned(), true)]
    );
    let deprecated_history = deprecated.fetch_history().await.expect("history");
    let after_deprecation = Replayer::new().workflow::<Release3>();
    for history in [&new_history, &deprecated_history] {
        after_deprecation
            .replay(history)
            .await
            .expect("marker-holding and post-deprecation histories replay");
    }
    patched
        .replay(&deprecated_history)
        .await
        .expect("release 2 replays a run of release 3");
    assert!(
        after_deprecation.replay(&old_history).await.is_err(),
        "a pre-patch history does not replay once the legacy branch is gone"
    );
}

/// Replays `history` (saved as JSON by this runtime) on the Python twin of `Release2`.
async fn replay_on_python(history: &WorkflowHistory, queue: &str) -> Result<(), String> {
    let file = std::env::temp_dir().join(format!("{queue}-{}.json", history.workflow_id()));
    std::fs::write(&file, history.to_json().expect("history to JSON")).expect("save the history");
    let workflow_id = history.workflow_id().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python())
            .arg(python_scripts().join("patch_interop.py"))
            .arg("replay")
            .arg(&file)
            .arg(&workflow_id)
            .output()
            .expect("run the Python replayer")
    })
    .await
    .expect("Python replayer");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() && stdout.trim() == "replayed" {
        Ok(())
    } else {
        Err(format!(
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[tokio::test]
async fn patch_markers_cross_between_python_and_rust() {
    let client = client().await;
    let queue = task_queue("patching-python");
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);

    // The Python SDK runs the patched workflow and records its marker.
    let python_worker = PythonWorker::start("patch_interop.py", &queue).await;
    let by_python = client
        .start(Release2::run, 100, options("python"))
        .await
        .expect("start");
    by_python
        .signal(Release2::finish, ())
        .await
        .expect("signal");
    assert_eq!(by_python.result().await.expect("result"), "new:100");
    drop(python_worker);
    assert_eq!(
        patch_markers(by_python.untyped()).await,
        [("new-processor".to_owned(), false)]
    );
    let python_history = by_python.fetch_history().await.expect("history");
    Replayer::new()
        .workflow::<Release2>()
        .replay(&python_history)
        .await
        .expect("a Python-written marker replays into the Rust new branch");
    Replayer::new()
        .workflow::<Release3>()
        .replay(&python_history)
        .await
        .expect("and on the Rust code that deprecated the patch");

    // Rust-written histories, before the patch and with its marker, replay on Python's code.
    let v1 = worker::<Release1>(&client, &queue);
    let old = client
        .start(Release1::run, 100, options("rust-old"))
        .await
        .expect("start");
    old.signal(Release1::finish, ()).await.expect("signal");
    assert_eq!(old.result().await.expect("result"), "legacy:100");
    v1.stop().await.expect("clean shutdown");
    let v2 = worker::<Release2>(&client, &queue);
    let new = client
        .start(Release2::run, 100, options("rust-new"))
        .await
        .expect("start");
    new.signal(Release2::finish, ()).await.expect("signal");
    assert_eq!(new.result().await.expect("result"), "new:100");
    v2.stop().await.expect("clean shutdown");
    for handle in [old.untyped(), new.untyped()] {
        let history = handle.fetch_history().await.expect("history");
        if let Err(error) = replay_on_python(&history, &queue).await {
            panic!(
                "{} did not replay on Python: {error}",
                history.workflow_id()
            );
        }
    }
}

#[tokio::test]
async fn the_replay_check_replays_the_open_runs_of_a_live_server_and_names_the_divergence() {
    let client = client().await;
    let queue = task_queue("replay-check");
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);
    let on_this_queue = ServerRuns::open().matching(format!("TaskQueue = '{queue}'"));

    // A run of release 1 charges through the legacy processor and stays open.
    let v1 = worker::<Release1>(&client, &queue);
    let old = client
        .start(Release1::run, 100, options("old"))
        .await
        .expect("start");
    // The legacy charge completed.
    first_event(old.untyped(), EventType::ActivityTaskCompleted).await;
    v1.stop().await.expect("clean shutdown");

    // Release 2 without the patch would break it: the check names the run, the event and both
    // sides. Core's own warning of the failed replay task stays out of the logs.
    let unpatched = Replayer::new().workflow::<Release2Unpatched>();
    let report = eventually(PATIENCE, "the open run to be listed", || async {
        let report = unpatched
            .replay_from_server(&client, on_this_queue.clone())
            .await
            .expect("list and replay");
        if report.runs.is_empty() {
            Err("no run listed yet")
        } else {
            Ok(report)
        }
    })
    .await;
    assert_eq!(report.runs.len(), 1, "{report}");
    assert!(!report.all_replayed());
    let old_run = old.run_id().expect("run id");
    let warned: Vec<String> = warnings_containing(old_run)
        .into_iter()
        .filter(|warning| warning.starts_with("Failing workflow task"))
        .collect();
    assert!(warned.is_empty(), "{warned:?}");
    let failed = &report.runs[0];
    assert_eq!(failed.run.run_id, old_run);
    let mismatch = failed
        .outcome
        .as_ref()
        .expect_err("the unpatched code diverges")
        .mismatch()
        .expect("a divergence, not another failure");
    assert!(
        mismatch.expected.contains("legacy_processor") && mismatch.got.contains("new_processor"),
        "{mismatch}"
    );
    let printed = report.to_string();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one line per run and the summary:\n{printed}"
    );
    assert!(
        lines[0].starts_with(&format!("FAIL {queue}-old (run ")) && lines[0].contains("event 5"),
        "{printed}"
    );
    assert_eq!(
        lines[1],
        "1 runs checked: 0 replayed, 1 diverged, 0 could not be replayed"
    );

    // The patched release replays it, and a limit of zero checks nothing.
    let patched = Replayer::new().workflow::<Release2>();
    let report = patched
        .replay_from_server(&client, on_this_queue.clone())
        .await
        .expect("list and replay");
    assert!(report.all_replayed() && report.runs.len() == 1, "{report}");
    let none = patched
        .replay_from_server(&client, on_this_queue.clone().limit(0))
        .await
        .expect("list");
    assert!(none.runs.is_empty());

    // Once the run closes, only a check that includes closed runs replays it.
    let v2 = worker::<Release2>(&client, &queue);
    old.signal(Release1::finish, ()).await.expect("signal");
    assert_eq!(old.result().await.expect("result"), "legacy:100");
    v2.stop().await.expect("clean shutdown");
    eventually(
        PATIENCE,
        "the closed run to leave the open list",
        || async {
            let open = unpatched
                .replay_from_server(&client, on_this_queue.clone())
                .await
                .expect("list");
            if open.runs.is_empty() {
                Ok(())
            } else {
                Err(open.to_string())
            }
        },
    )
    .await;
    let closed = unpatched
        .replay_from_server(&client, on_this_queue.clone().including_closed())
        .await
        .expect("list and replay");
    assert_eq!(closed.runs.len(), 1, "{closed}");
    assert!(closed.runs[0].outcome.is_err(), "{closed}");
}

/// The two releases of the worker-versioning test: one workflow type pinned to the version it
/// started on, one that moves to the current version. Each waits for `finish`, then returns
/// the release that finished it.
mod deployed {
    macro_rules! release {
        ($module:ident, $answer:literal) => {
            pub mod $module {
                use workflow_runtime::prelude::*;

                #[derive(Default)]
                pub struct Pinned {
                    finished: bool,
                }

                #[workflow(name = "PinnedCheckout", versioning = pinned)]
                impl Pinned {
                    #[run]
                    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
                        ctx.wait_condition(|s| s.finished).await?;
                        Ok($answer.to_owned())
                    }

                    #[signal]
                    pub fn finish(&mut self) {
                        self.finished = true;
                    }
                }

                #[derive(Default)]
                pub struct Upgrading {
                    finished: bool,
                }

                #[workflow(name = "UpgradingCheckout", versioning = auto_upgrade)]
                impl Upgrading {
                    #[run]
                    pub async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
                        ctx.wait_condition(|s| s.finished).await?;
                        Ok($answer.to_owned())
                    }

                    #[signal]
                    pub fn finish(&mut self) {
                        self.finished = true;
                    }
                }
            }
        };
    }
    release!(v1, "v1");
    release!(v2, "v2");
}

/// Makes `version` current and waits until the change reached the deployment's task queues.
async fn make_current(client: &Client, version: &DeploymentVersion) {
    client
        .set_current_deployment_version(version)
        .await
        .expect("set the current version");
    eventually(PATIENCE, "the routing change to settle", || async {
        let deployment = client
            .describe_worker_deployment(version.deployment_name())
            .await
            .expect("describe");
        if deployment.current_version.as_ref() == Some(version) && deployment.routing_settled {
            Ok(())
        } else {
            Err(deployment)
        }
    })
    .await;
}

/// Waits until the run's workflow tasks run on `version`, and returns its description.
async fn on_version(
    handle: &UntypedWorkflowHandle,
    version: &DeploymentVersion,
) -> WorkflowExecution {
    eventually(PATIENCE, "the run to report its version", || async {
        let execution = handle.describe().await.expect("describe").execution;
        if execution.deployment_version.as_ref() == Some(version) {
            Ok(execution)
        } else {
            Err(execution)
        }
    })
    .await
}

#[tokio::test]
async fn a_pinned_run_stays_on_its_version_while_an_auto_upgrade_run_moves_to_the_current_one() {
    let client = client().await;
    let queue = task_queue("deployment");
    let release_1 = DeploymentVersion::new(&queue, "1.0");
    let release_2 = DeploymentVersion::new(&queue, "2.0");
    let worker_of =
        |version: &DeploymentVersion| Worker::new(&client, &queue).deployment(version.clone());
    let v1 = RunningWorker::start(
        worker_of(&release_1)
            .workflow::<deployed::v1::Pinned>()
            .workflow::<deployed::v1::Upgrading>(),
    );
    let v2 = RunningWorker::start(
        worker_of(&release_2)
            .workflow::<deployed::v2::Pinned>()
            .workflow::<deployed::v2::Upgrading>(),
    );
    // The server knows a version once its worker has polled.
    eventually(PATIENCE, "both versions to be known", || async {
        match client.describe_worker_deployment(&queue).await {
            Ok(deployment)
                if deployment.has_version(&release_1) && deployment.has_version(&release_2) =>
            {
                Ok(())
            }
            other => Err(format!("{other:?}")),
        }
    })
    .await;

    make_current(&client, &release_1).await;
    let options = |id: &str| StartOptions::new(format!("{queue}-{id}"), &queue);
    let pinned = client
        .start(deployed::v1::Pinned::run, (), options("pinned"))
        .await
        .expect("start");
    let upgrading = client
        .start(deployed::v1::Upgrading::run, (), options("upgrading"))
        .await
        .expect("start");
    let started_pinned = on_version(pinned.untyped(), &release_1).await;
    assert_eq!(
        started_pinned.versioning_behavior,
        Some(VersioningBehavior::Pinned)
    );
    let started_upgrading = on_version(upgrading.untyped(), &release_1).await;
    assert_eq!(
        started_upgrading.versioning_behavior,
        Some(VersioningBehavior::AutoUpgrade)
    );

    // Release 2 becomes current: the pinned run stays on release 1, the other moves.
    make_current(&client, &release_2).await;
    pinned
        .signal(deployed::v1::Pinned::finish, ())
        .await
        .expect("signal");
    upgrading
        .signal(deployed::v1::Upgrading::finish, ())
        .await
        .expect("signal");
    assert_eq!(pinned.result().await.expect("result"), "v1");
    assert_eq!(upgrading.result().await.expect("result"), "v2");
    let finished = pinned.describe().await.expect("describe").execution;
    assert_eq!(finished.deployment_version.as_ref(), Some(&release_1));
    let moved = upgrading.describe().await.expect("describe").execution;
    assert_eq!(moved.deployment_version.as_ref(), Some(&release_2));
    assert_eq!(
        moved.versioning_behavior,
        Some(VersioningBehavior::AutoUpgrade)
    );

    // Both histories replay on the code that ran them last.
    Replayer::new()
        .workflow::<deployed::v1::Pinned>()
        .replay(&pinned.fetch_history().await.expect("history"))
        .await
        .expect("the pinned run replays on release 1");
    Replayer::new()
        .workflow::<deployed::v2::Upgrading>()
        .replay(&upgrading.fetch_history().await.expect("history"))
        .await
        .expect("the upgraded run replays on release 2");
    v1.stop().await.expect("clean shutdown");
    v2.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_workflow_that_declares_a_behavior_runs_on_an_unversioned_worker() {
    let client = client().await;
    let queue = task_queue("unversioned");
    let worker =
        RunningWorker::start(Worker::new(&client, &queue).workflow::<deployed::v1::Pinned>());
    let handle = client
        .start(
            deployed::v1::Pinned::run,
            (),
            StartOptions::new(format!("{queue}-pinned"), &queue),
        )
        .await
        .expect("start");
    handle
        .signal(deployed::v1::Pinned::finish, ())
        .await
        .expect("signal");
    // The server refuses a behaviour from an unversioned worker; the run does not send one.
    let result = tokio::time::timeout(PATIENCE, handle.result())
        .await
        .expect("the run completes (a refused completion would retry for ever)");
    assert_eq!(result.expect("result"), "v1");
    let execution = handle.describe().await.expect("describe").execution;
    assert_eq!(execution.versioning_behavior, None);
    worker.stop().await.expect("clean shutdown");
}

#[tokio::test]
async fn a_versioned_worker_refuses_workflows_without_a_versioning_behavior() {
    let client = client().await;
    let queue = task_queue("deployment-refused");
    let version = DeploymentVersion::new(&queue, "1.0");
    let refused = Worker::new(&client, &queue)
        .deployment(version.clone())
        .workflow::<Release1>()
        .run()
        .await
        .expect_err("no behaviour for VersionedWorkflow");
    assert_eq!(
        std::error::Error::source(&refused).map(ToString::to_string),
        Some(
            "workflow `VersionedWorkflow` declares no versioning behaviour, and worker versioning \
             is on with no default: add `#[workflow(versioning = pinned)]` or `versioning = \
             auto_upgrade` to it, or give the worker `.default_versioning_behavior(..)`"
                .to_owned()
        )
    );
    let refused = Worker::new(&client, &queue)
        .default_versioning_behavior(VersioningBehavior::Pinned)
        .workflow::<Release1>()
        .run()
        .await
        .expect_err("a default without a deployment");
    assert!(
        std::error::Error::source(&refused)
            .is_some_and(|e| e.to_string().contains("needs a deployment version")),
        "{refused:?}"
    );
    let not_yet = client
        .describe_worker_deployment(&queue)
        .await
        .expect_err("no worker of it polled");
    assert!(
        matches!(not_yet, ClientError::DeploymentNotFound { .. }),
        "{not_yet:?}"
    );
}
