//! Interceptors against the dev server: a tenant header goes from the client's calls to the
//! workflow, and from the workflow to its activities, where a worker interceptor refuses
//! attempts without one; a client interceptor refuses calls before they leave; workflow hooks
//! are told whether the run replays.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tests::{PATIENCE, client, eventually, server_address, task_queue};
use workflow_runtime::{
    ActivityAttempt, ActivityNext, ActivityOutcome, BoxFuture, ClientCall, ClientCallKind,
    ClientNext, ClientOptions, ClientReply, Interceptor, RunOutcome, RunView, RunningWorker,
    WorkflowInbound, WorkflowOutbound, WorkflowOutboundKind, prelude::*,
};

#[activity]
async fn tenant_of(ctx: ActivityContext, label: String) -> Result<String, ActivityError> {
    let tenant = match ctx.headers().decode::<String>("tenant") {
        Some(Ok(tenant)) => tenant,
        _ => "none".to_owned(),
    };
    Ok(format!("{label}: {tenant}"))
}

/// Waits for a signal, then asks its activity which tenant it serves.
#[derive(Default)]
pub struct TenantAware {
    poked_by: Option<String>,
}

#[workflow]
impl TenantAware {
    #[run]
    async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<String> {
        ctx.wait_condition(|s| s.poked_by.is_some()).await?;
        let answer = ctx
            .activity(tenant_of, "activity".to_owned())
            .options(ActivityOptions::start_to_close(Duration::from_secs(10)))
            .await?;
        ctx.sleep(Duration::from_millis(10)).await?;
        Ok(answer)
    }

    #[signal]
    fn poke(&mut self, by: String) {
        self.poked_by = Some(by);
    }

    #[query]
    fn poked(&self) -> bool {
        self.poked_by.is_some()
    }
}

/// The client side: sends the tenant with every call, and refuses queries named `secret`.
struct TenantClient(&'static str);

impl Interceptor for TenantClient {
    fn client_call<'a>(
        &'a self,
        mut call: ClientCall,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientReply, ClientError>> {
        if call.kind() == ClientCallKind::QueryWorkflow && call.name() == "secret" {
            return Box::pin(async move { Err(call.refuse("secret queries are off")) });
        }
        call.headers_mut()
            .encode("tenant", self.0)
            .expect("a string encodes");
        next.run(call)
    }
}

/// The worker side: writes down what the workflow hooks see, passes the workflow's tenant on
/// to its activities, and fails activity attempts that arrive without one.
#[derive(Default, Clone)]
struct TenantWorker {
    seen: Arc<Mutex<Vec<String>>>,
}

impl TenantWorker {
    fn note(&self, line: String) {
        self.seen.lock().expect("the notes").push(line);
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("the notes").clone()
    }
}

impl Interceptor for TenantWorker {
    fn workflow_inbound(&self, run: &RunView<'_>, event: &WorkflowInbound<'_>) {
        let tenant = |headers: &workflow_runtime::Headers| match headers.decode::<String>("tenant")
        {
            Some(Ok(tenant)) => tenant,
            _ => "none".to_owned(),
        };
        let replay = if run.is_replaying() { " on replay" } else { "" };
        let line = match event {
            WorkflowInbound::Started => format!("started for {}", tenant(run.start_headers())),
            WorkflowInbound::Signal { name, headers } => {
                format!("signal {name} for {}", tenant(headers))
            }
            WorkflowInbound::Query { name, headers } => {
                format!("query {name} for {}", tenant(headers))
            }
            WorkflowInbound::Finished(RunOutcome::Completed) => "completed".to_owned(),
            other => format!("{other:?}"),
        };
        self.note(format!("{line}{replay}"));
    }

    fn workflow_outbound(&self, run: &RunView<'_>, call: &mut WorkflowOutbound<'_>) {
        if let WorkflowOutboundKind::Activity { activity_type, .. } = call.kind() {
            let replay = if run.is_replaying() { " on replay" } else { "" };
            self.note(format!("schedules {activity_type}{replay}"));
        }
        if let Some(tenant) = run.start_headers().get("tenant") {
            call.headers_mut().insert("tenant", tenant.clone());
        }
    }

    fn activity_attempt<'a>(
        &'a self,
        attempt: ActivityAttempt,
        next: ActivityNext<'a>,
    ) -> BoxFuture<'a, ActivityOutcome> {
        if attempt.headers().get("tenant").is_none() {
            return Box::pin(async {
                ActivityOutcome::failed(ActivityError::non_retryable(
                    "NoTenant",
                    "the activity was called without a tenant",
                ))
            });
        }
        Box::pin(async move {
            let activity_type = attempt.info().activity_type.clone();
            let outcome = next.run(attempt).await;
            self.note(format!(
                "{activity_type} succeeded: {}",
                outcome.succeeded()
            ));
            outcome
        })
    }
}

/// Starts `TenantAware` on `queue` through `client`, and signals it on to its activity.
async fn start_and_poke(client: &Client, queue: &str) -> WorkflowHandle<TenantAware> {
    let handle = client
        .start(
            TenantAware::run,
            (),
            StartOptions::new(format!("{queue}-wf"), queue),
        )
        .await
        .expect("start");
    handle
        .signal(TenantAware::poke, "ops".to_owned())
        .await
        .expect("signal");
    handle
}

#[tokio::test]
async fn a_tenant_header_travels_from_the_client_through_the_workflow_to_its_activity() {
    let queue = task_queue("interceptors");
    tests::init_tracing();
    let tenant_client =
        Client::connect(ClientOptions::new(server_address()).interceptor(TenantClient("acme")))
            .await
            .expect("connect");
    let hooks = TenantWorker::default();
    // No cache: every workflow task replays the run from its start, so the hooks see replays.
    let worker = RunningWorker::start(
        Worker::new(&client().await, &queue)
            .workflow::<TenantAware>()
            .activity(tenant_of)
            .interceptor(hooks.clone())
            .max_cached_workflows(0),
    );
    let handle = start_and_poke(&tenant_client, &queue).await;
    eventually(PATIENCE, "the query to see the signal", || async {
        match handle.query(TenantAware::poked, ()).await {
            Ok(true) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let refused = handle
        .untyped()
        .query("secret", Vec::new())
        .await
        .expect_err("the interceptor refuses it");
    assert!(
        matches!(
            &refused,
            ClientError::Refused {
                call: "QueryWorkflow",
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(
        std::error::Error::source(&refused).map(ToString::to_string),
        Some("secret queries are off".to_owned())
    );
    let answer = handle.result().await.expect("result");
    assert_eq!(
        answer, "activity: acme",
        "the activity read the client's tenant"
    );
    worker.stop().await.expect("worker stops");

    let seen = hooks.seen();
    let first_time: Vec<&str> = seen
        .iter()
        .map(String::as_str)
        .filter(|line| !line.ends_with("on replay") && !line.starts_with("query"))
        .collect();
    assert_eq!(
        first_time,
        [
            "started for acme",
            "signal poke for acme",
            "schedules tenant_of",
            "tenant_of succeeded: true",
            "completed",
        ],
        "each hook once when the run is not replaying: {seen:#?}"
    );
    assert!(
        seen.iter().any(|line| line == "started for acme on replay"),
        "later tasks rebuild the run from history, and the hook knows: {seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|line| line.starts_with("query poked for acme")),
        "queries carry the client's headers: {seen:#?}"
    );
}

#[tokio::test]
async fn an_activity_interceptor_fails_attempts_it_refuses() {
    let queue = task_queue("interceptors-refuse");
    let client = client().await;
    let worker = RunningWorker::start(
        Worker::new(&client, &queue)
            .workflow::<TenantAware>()
            .activity(tenant_of)
            .interceptor(TenantWorker::default()),
    );
    // A client without the tenant interceptor: the activity gets no tenant.
    let handle = start_and_poke(&client, &queue).await;
    let error = handle.result().await.expect_err("the activity is refused");
    let report = format!("{:?}", anyhow_chain(&error));
    assert!(
        report.contains("NoTenant") && report.contains("without a tenant"),
        "{report}"
    );
    worker.stop().await.expect("worker stops");
}

/// Every message of an error's source chain.
fn anyhow_chain(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut chain = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push(cause.to_string());
        source = cause.source();
    }
    chain
}
