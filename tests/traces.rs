//! OpenTelemetry tracing against the dev server and the official Python SDK: a Python client
//! with the SDK's `TracingInterceptor` starts a Rust workflow, which calls a Python activity,
//! a Rust activity and a Rust child; one trace holds every span, each under the parent the
//! Python SDK gives it, and a worker without a cache (every task replays the run) records
//! each workflow span once.

use std::time::Duration;

use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tests::{client, run_python, server_address, task_queue};
use workflow_runtime::{
    ClientOptions, RunningWorker, opentelemetry::TracingInterceptor, prelude::*,
};

#[activity]
async fn rust_traced(_ctx: ActivityContext, text: String) -> Result<String, ActivityError> {
    Ok(format!("{text}!"))
}

/// Runs a child, which ends the label.
#[derive(Default)]
pub struct TracedChild;

#[workflow]
impl TracedChild {
    #[run]
    async fn run(ctx: WorkflowContext<Self>, text: String) -> WorkflowResult<String> {
        ctx.sleep(Duration::from_millis(10)).await?;
        Ok(format!("{text}."))
    }
}

/// Calls the Python activity `py_traced`, then `rust_traced`, then its child.
#[derive(Default)]
pub struct TracedOrder;

#[workflow]
impl TracedOrder {
    #[run]
    async fn run(
        ctx: WorkflowContext<Self>,
        label: String,
        python_queue: String,
    ) -> WorkflowResult<String> {
        let upper = ctx
            .activity_by_name("py_traced", vec![serde_json::json!(label)])
            .options(
                ActivityOptions::start_to_close(Duration::from_secs(30)).task_queue(python_queue),
            )
            .await?;
        let loud = ctx
            .activity(rust_traced, upper.as_str().unwrap_or_default().to_owned())
            .options(ActivityOptions::start_to_close(Duration::from_secs(30)))
            .await?;
        let done = ctx
            .child(TracedChild::run, loud)
            .options(ChildWorkflowOptions::new())
            .await?;
        Ok(done)
    }
}

/// A span, from either language.
#[derive(Debug, Clone, PartialEq)]
struct Traced {
    name: String,
    trace_id: String,
    span_id: String,
    parent_id: Option<String>,
    kind: String,
}

impl From<&SpanData> for Traced {
    fn from(span: &SpanData) -> Self {
        let kind = match span.span_kind {
            SpanKind::Client => "CLIENT",
            SpanKind::Server => "SERVER",
            SpanKind::Internal => "INTERNAL",
            SpanKind::Producer => "PRODUCER",
            SpanKind::Consumer => "CONSUMER",
        };
        Self {
            name: span.name.to_string(),
            trace_id: span.span_context.trace_id().to_string(),
            span_id: span.span_context.span_id().to_string(),
            parent_id: (span.parent_span_id != SpanId::INVALID)
                .then(|| span.parent_span_id.to_string()),
            kind: kind.to_owned(),
        }
    }
}

/// The one span named `name`; fails if there are none or several.
fn one<'a>(spans: &'a [Traced], name: &str) -> &'a Traced {
    let found: Vec<&Traced> = spans.iter().filter(|span| span.name == name).collect();
    match found.as_slice() {
        [span] => span,
        _ => panic!(
            "expected one span `{name}`, found {}: {spans:#?}",
            found.len()
        ),
    }
}

#[tokio::test]
async fn one_trace_holds_a_python_client_a_rust_workflow_and_activities_in_both_languages() {
    let queue = task_queue("tracing");
    let python_queue = format!("{queue}-python");
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let traced = Client::connect(ClientOptions::new(server_address()).interceptor(
        TracingInterceptor::new(opentelemetry::trace::TracerProvider::tracer(
            &provider, "tests",
        )),
    ))
    .await
    .expect("connect");
    // No cache: each workflow task rebuilds the run from history.
    let worker = RunningWorker::start(
        Worker::new(&traced, &queue)
            .workflow::<TracedOrder>()
            .workflow::<TracedChild>()
            .activity(rust_traced)
            .max_cached_workflows(0),
    );
    let _ = client().await; // the shared tracing set-up of the tests
    let workflow_id = format!("{queue}-order");
    let stdout = run_python("tracing_interop.py", &[&queue, &python_queue, &workflow_id]).await;
    worker.stop().await.expect("worker stops");
    let answer: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(answer["result"], "ORDER!.", "{stdout}");
    let from_python: Vec<Traced> = answer["spans"]
        .as_array()
        .expect("a span list")
        .iter()
        .map(|span| Traced {
            name: span["name"].as_str().unwrap_or_default().to_owned(),
            trace_id: span["trace_id"].as_str().unwrap_or_default().to_owned(),
            span_id: span["span_id"].as_str().unwrap_or_default().to_owned(),
            parent_id: span["parent_id"].as_str().map(str::to_owned),
            kind: span["kind"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    let from_rust: Vec<Traced> = exporter
        .get_finished_spans()
        .expect("the exported spans")
        .iter()
        .map(Traced::from)
        .collect();

    let start = one(&from_python, "StartWorkflow:TracedOrder");
    assert_eq!(start.parent_id, None, "the client's span starts the trace");
    let all: Vec<Traced> = from_python.iter().chain(&from_rust).cloned().collect();
    for span in &all {
        assert_eq!(
            span.trace_id, start.trace_id,
            "every span is in the client's trace: {all:#?}"
        );
    }
    let child_of = |name: &str, parent: &Traced, kind: &str| {
        let span = one(&all, name);
        assert_eq!(
            span.parent_id.as_deref(),
            Some(parent.span_id.as_str()),
            "`{name}` is under `{}`: {all:#?}",
            parent.name
        );
        assert_eq!(span.kind, kind, "`{name}`'s kind");
        span.clone()
    };
    child_of("RunWorkflow:TracedOrder", start, "SERVER");
    let python_activity = child_of("StartActivity:py_traced", start, "CLIENT");
    child_of("RunActivity:py_traced", &python_activity, "SERVER");
    let rust_activity = child_of("StartActivity:rust_traced", start, "CLIENT");
    child_of("RunActivity:rust_traced", &rust_activity, "SERVER");
    let start_child = child_of("StartChildWorkflow:TracedChild", start, "CLIENT");
    child_of("RunWorkflow:TracedChild", &start_child, "SERVER");
    child_of("CompleteWorkflow:TracedChild", &start_child, "INTERNAL");
    child_of("CompleteWorkflow:TracedOrder", start, "INTERNAL");
    assert_eq!(
        from_rust.len(),
        8,
        "each Rust span once, though every task replayed the run: {from_rust:#?}"
    );
    assert_ne!(start.trace_id, TraceId::INVALID.to_string());
}
