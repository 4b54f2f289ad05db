//! OpenTelemetry tracing (feature `opentelemetry`): spans for client calls, workflows and
//! activities, with the trace context carried in Temporal headers under `_tracer-data`, as
//! the official SDKs' tracing interceptors carry it. One trace holds a Python client's start,
//! the Rust workflow and the Python activity it calls, and the other way round.
//!
//! The spans and their parents are those of the Python SDK's `TracingInterceptor`:
//!
//! | where | span | kind | parent |
//! |---|---|---|---|
//! | client | `StartWorkflow:<type>`, `SignalWithStartWorkflow:<type>`, `StartUpdateWithStartWorkflow:<type>`, `SignalWorkflow:<signal>`, `QueryWorkflow:<query>`, `StartWorkflowUpdate:<update>` | client | the current context |
//! | workflow | `RunWorkflow:<type>` | server | the context the workflow was started with |
//! | workflow | `StartActivity:<type>`, `StartChildWorkflow:<type>`, `SignalExternalWorkflow:<signal>`, `SignalChildWorkflow:<signal>` | client | the same; the span's context goes in the call's headers |
//! | workflow | `HandleSignal:<name>`, `HandleUpdate:<name>` | server | the same, linked to the sender's span |
//! | workflow | `HandleQuery:<name>` | server | the query's own context (none without one) |
//! | workflow | `CompleteWorkflow:<type>` | internal | the start context; error status when the workflow failed |
//! | activity | `RunActivity:<type>` | server | the context the workflow sent |
//!
//! Workflow spans are created only when the workflow is not replaying, last no time (they
//! start and end at workflow time), and are created only for workflows started with a trace
//! context unless [`TracingInterceptor::always_create_workflow_spans`] says otherwise: after a
//! replay a long-lived span could not be ended, and a span without a parent would be an
//! orphan. Where this differs from Python: an update gets one `HandleUpdate` span (Python adds
//! a `ValidateUpdate` span when the update has a validator), and baggage is not carried.

use std::collections::HashMap;

use ::opentelemetry::{
    Context, KeyValue,
    context::FutureExt as _,
    global::{self, BoxedTracer},
    trace::{
        Link, Span, SpanContext, SpanKind, Status, TraceContextExt, TraceFlags, TraceState, Tracer,
    },
};
use futures::{FutureExt, future::BoxFuture};

use crate::{
    client::error::ClientError,
    interceptor::{
        ActivityAttempt, ActivityNext, ActivityOutcome, ClientCall, ClientNext, ClientReply,
        Headers, Interceptor, RunOutcome, RunView, WorkflowInbound, WorkflowOutbound,
        WorkflowOutboundKind,
    },
};

/// The header that carries the trace context, as every official SDK names it.
pub const TRACE_HEADER: &str = "_tracer-data";

/// An [`Interceptor`] that traces client calls, workflows and activities with OpenTelemetry.
/// Register it on the client options (client calls, and the workers built on that client) or
/// on a worker.
///
/// ```no_run
/// use workflow_runtime::{ClientOptions, opentelemetry::TracingInterceptor};
///
/// // Spans go to the tracer provider set with `opentelemetry::global::set_tracer_provider`.
/// let options = ClientOptions::new("127.0.0.1:7233").interceptor(TracingInterceptor::global());
/// ```
#[derive(Debug)]
pub struct TracingInterceptor<T = BoxedTracer> {
    tracer: T,
    always_create_workflow_spans: bool,
}

impl TracingInterceptor<BoxedTracer> {
    /// Spans from the global tracer provider's tracer `workflow-runtime`.
    pub fn global() -> Self {
        Self::new(global::tracer("workflow-runtime"))
    }
}

impl<T> TracingInterceptor<T>
where
    T: Tracer + Send + Sync + 'static,
    T::Span: Send + Sync + 'static,
{
    /// Spans from `tracer`.
    pub fn new(tracer: T) -> Self {
        Self {
            tracer,
            always_create_workflow_spans: false,
        }
    }

    /// Creates workflow spans also for workflows started without a trace context (by the CLI,
    /// a schedule, a client without tracing); they start a trace of their own each.
    pub fn always_create_workflow_spans(mut self, always: bool) -> Self {
        self.always_create_workflow_spans = always;
        self
    }

    /// A zero-length span at workflow time under `parent`, unless the run replays or has no
    /// trace to join; returns the context holding it.
    fn workflow_span(
        &self,
        run: &RunView<'_>,
        name: String,
        kind: SpanKind,
        link: Option<SpanContext>,
        error: Option<&str>,
    ) -> Option<Context> {
        if run.is_replaying() {
            return None;
        }
        let parent = extract(run.start_headers());
        self.span_at(run, parent, name, kind, link, error)
    }

    fn span_at(
        &self,
        run: &RunView<'_>,
        parent: Option<Context>,
        name: String,
        kind: SpanKind,
        link: Option<SpanContext>,
        error: Option<&str>,
    ) -> Option<Context> {
        let parent = match parent {
            Some(parent) => parent,
            None if self.always_create_workflow_spans => Context::new(),
            None => return None,
        };
        let info = run.info();
        let mut span = self
            .tracer
            .span_builder(name)
            .with_kind(kind)
            .with_start_time(run.time())
            .with_attributes([
                KeyValue::new("temporalWorkflowID", info.workflow_id.clone()),
                KeyValue::new("temporalRunID", info.run_id.clone()),
            ])
            .with_links(link.map(Link::with_context).into_iter().collect())
            .start_with_context(&self.tracer, &parent);
        if let Some(message) = error {
            span.set_status(Status::error(message.to_owned()));
        }
        span.end_with_timestamp(run.time());
        Some(parent.with_span(span))
    }
}

impl<T> Interceptor for TracingInterceptor<T>
where
    T: Tracer + Send + Sync + 'static,
    T::Span: Send + Sync + 'static,
{
    fn client_call<'a>(
        &'a self,
        mut call: ClientCall,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientReply, ClientError>> {
        let span = self
            .tracer
            .span_builder(format!("{}:{}", call.kind().as_str(), call.name()))
            .with_kind(SpanKind::Client)
            .with_attributes([KeyValue::new(
                "temporalWorkflowID",
                call.workflow_id().to_owned(),
            )])
            .start_with_context(&self.tracer, &Context::current());
        let cx = Context::current().with_span(span);
        inject(&cx, call.headers_mut());
        async move {
            let reply = next.run(call).with_context(cx.clone()).await;
            if let Err(error) = &reply {
                cx.span().set_status(Status::error(error.to_string()));
            }
            cx.span().end();
            reply
        }
        .boxed()
    }

    fn activity_attempt<'a>(
        &'a self,
        attempt: ActivityAttempt,
        next: ActivityNext<'a>,
    ) -> BoxFuture<'a, ActivityOutcome> {
        let parent = extract(attempt.headers()).unwrap_or_else(Context::current);
        let info = attempt.info();
        let span = self
            .tracer
            .span_builder(format!("RunActivity:{}", info.activity_type))
            .with_kind(SpanKind::Server)
            .with_attributes([
                KeyValue::new("temporalActivityID", info.activity_id.clone()),
                KeyValue::new("temporalWorkflowID", info.workflow_id.clone()),
                KeyValue::new("temporalRunID", info.workflow_run_id.clone()),
            ])
            .start_with_context(&self.tracer, &parent);
        let cx = parent.with_span(span);
        async move {
            let outcome = next.run(attempt).with_context(cx.clone()).await;
            if let Some(message) = outcome.failure_message() {
                cx.span().set_status(Status::error(message.to_owned()));
            }
            cx.span().end();
            outcome
        }
        .boxed()
    }

    fn workflow_inbound(&self, run: &RunView<'_>, event: &WorkflowInbound<'_>) {
        let workflow_type = &run.info().workflow_type;
        match event {
            WorkflowInbound::Started => {
                self.workflow_span(
                    run,
                    format!("RunWorkflow:{workflow_type}"),
                    SpanKind::Server,
                    None,
                    None,
                );
            }
            WorkflowInbound::Signal { name, headers } => {
                self.workflow_span(
                    run,
                    format!("HandleSignal:{name}"),
                    SpanKind::Server,
                    span_context(headers),
                    None,
                );
            }
            WorkflowInbound::Update { name, headers, .. } => {
                self.workflow_span(
                    run,
                    format!("HandleUpdate:{name}"),
                    SpanKind::Server,
                    span_context(headers),
                    None,
                );
            }
            WorkflowInbound::Query { name, headers } => {
                // Queries reach replaying runs too and change nothing: traced whenever the
                // caller sent a context, under that context, linked to the workflow's.
                if let Some(parent) = extract(headers) {
                    self.span_at(
                        run,
                        Some(parent),
                        format!("HandleQuery:{name}"),
                        SpanKind::Server,
                        span_context(run.start_headers()),
                        None,
                    );
                }
            }
            WorkflowInbound::Finished(outcome) => {
                let error = match outcome {
                    RunOutcome::Failed { message } => Some(*message),
                    RunOutcome::Cancelled => Some("the workflow was cancelled"),
                    RunOutcome::Completed => None,
                    // The next run carries the context on (see `workflow_outbound`).
                    RunOutcome::ContinuedAsNew => return,
                };
                self.workflow_span(
                    run,
                    format!("CompleteWorkflow:{workflow_type}"),
                    SpanKind::Internal,
                    None,
                    error,
                );
            }
        }
    }

    fn workflow_outbound(&self, run: &RunView<'_>, call: &mut WorkflowOutbound<'_>) {
        let name = match call.kind() {
            // The Python SDK names a local activity's span as a remote one's.
            WorkflowOutboundKind::Activity { activity_type, .. }
            | WorkflowOutboundKind::LocalActivity { activity_type, .. } => {
                format!("StartActivity:{activity_type}")
            }
            WorkflowOutboundKind::ChildWorkflow { workflow_type, .. } => {
                format!("StartChildWorkflow:{workflow_type}")
            }
            WorkflowOutboundKind::SignalWorkflow {
                signal,
                to_child: true,
                ..
            } => format!("SignalChildWorkflow:{signal}"),
            WorkflowOutboundKind::SignalWorkflow { signal, .. } => {
                format!("SignalExternalWorkflow:{signal}")
            }
            WorkflowOutboundKind::ContinueAsNew { .. } => {
                // The next run joins the same trace as this one, without a span of its own.
                if let Some(context) = run.start_headers().get(TRACE_HEADER) {
                    call.headers_mut().insert(TRACE_HEADER, context.clone());
                }
                return;
            }
        };
        if let Some(cx) = self.workflow_span(run, name, SpanKind::Client, None, None) {
            inject(&cx, call.headers_mut());
        }
    }
}

/// Writes the context's span as a W3C `traceparent` (and `tracestate`) into the trace header,
/// a JSON object as the official SDKs write it.
fn inject(cx: &Context, headers: &mut Headers) {
    let span = cx.span();
    let context = span.span_context();
    if !context.is_valid() {
        return;
    }
    let mut carrier = HashMap::from([(
        "traceparent".to_owned(),
        format!(
            "00-{}-{}-{:02x}",
            context.trace_id(),
            context.span_id(),
            context.trace_flags() & TraceFlags::SAMPLED
        ),
    )]);
    let state = context.trace_state().header();
    if !state.is_empty() {
        carrier.insert("tracestate".to_owned(), state);
    }
    // A map of strings always encodes.
    if let Err(error) = headers.encode(TRACE_HEADER, &carrier) {
        tracing::warn!("cannot write the trace context header: {error}");
    }
}

/// The remote span context in the trace header, if there is a valid one.
fn span_context(headers: &Headers) -> Option<SpanContext> {
    let carrier: HashMap<String, String> = match headers.decode(TRACE_HEADER)? {
        Ok(carrier) => carrier,
        Err(error) => {
            tracing::debug!("ignoring a trace header that is not a JSON object: {error}");
            return None;
        }
    };
    let context = parse_traceparent(carrier.get("traceparent")?)?;
    let state = carrier
        .get("tracestate")
        .and_then(|state| state.parse::<TraceState>().ok())
        .unwrap_or_default();
    Some(SpanContext::new(
        context.trace_id(),
        context.span_id(),
        context.trace_flags(),
        true,
        state,
    ))
}

/// A context whose parent is the span in the trace header.
fn extract(headers: &Headers) -> Option<Context> {
    span_context(headers).map(|context| Context::new().with_remote_span_context(context))
}

/// Parses a W3C `traceparent` (`version-traceid-spanid-flags`); `None` for an invalid one, as
/// the W3C rules say: version `ff`, ids of zeros, wrong lengths, upper-case hex.
fn parse_traceparent(value: &str) -> Option<SpanContext> {
    let parts: Vec<&str> = value.trim().split('-').collect();
    let [version, trace_id, span_id, flags, rest @ ..] = parts.as_slice() else {
        return None;
    };
    let hex = |text: &str, len: usize| {
        text.len() == len
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    };
    if !hex(version, 2) || *version == "ff" || (*version == "00" && !rest.is_empty()) {
        return None;
    }
    if !hex(trace_id, 32) || !hex(span_id, 16) || !hex(flags, 2) {
        return None;
    }
    let trace_id = ::opentelemetry::trace::TraceId::from_hex(trace_id).ok()?;
    let span_id = ::opentelemetry::trace::SpanId::from_hex(span_id).ok()?;
    let flags = u8::from_str_radix(flags, 16).ok()?;
    let context = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags) & TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    context.is_valid().then_some(context)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider};

    use super::*;
    use crate::{
        attributes::{Memo, SearchAttributes},
        workflow::info::WorkflowInfo,
    };

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    fn info() -> WorkflowInfo {
        WorkflowInfo {
            workflow_type: "Order".to_owned(),
            workflow_id: "order-1".to_owned(),
            run_id: "run-1".to_owned(),
            first_execution_run_id: "run-1".to_owned(),
            continued_from_run_id: None,
            parent: None,
            namespace: "default".to_owned(),
            task_queue: "orders".to_owned(),
            attempt: 1,
            start_time: None,
            history_length: 3,
            history_size_bytes: 0,
            continue_as_new_suggested: false,
            search_attributes: SearchAttributes::default(),
            memo: Memo::default(),
        }
    }

    fn traced_headers() -> Headers {
        let mut headers = Headers::new();
        let carrier = HashMap::from([("traceparent", PARENT)]);
        headers
            .encode(TRACE_HEADER, &carrier)
            .expect("a map encodes");
        headers
    }

    /// A run of `info`, started with `start_headers`, not replaying, at the epoch.
    fn view<'a>(info: &'a WorkflowInfo, start_headers: &'a Headers) -> RunView<'a> {
        RunView {
            info,
            replaying: false,
            time: SystemTime::UNIX_EPOCH,
            start_headers,
        }
    }

    fn tracer() -> (TracingInterceptor<SdkTracer>, InMemorySpanExporter) {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = ::opentelemetry::trace::TracerProvider::tracer(&provider, "unit");
        (TracingInterceptor::new(tracer), exporter)
    }

    fn span_names(exporter: &InMemorySpanExporter) -> Vec<String> {
        exporter
            .get_finished_spans()
            .expect("the spans")
            .iter()
            .map(|span| span.name.to_string())
            .collect()
    }

    #[test]
    fn workflow_spans_take_workflow_time_and_are_not_made_on_replay() {
        let (tracing, exporter) = tracer();
        let info = info();
        let start_headers = traced_headers();
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut run = RunView {
            replaying: true,
            time,
            ..view(&info, &start_headers)
        };
        tracing.workflow_inbound(&run, &WorkflowInbound::Started);
        assert!(span_names(&exporter).is_empty(), "nothing while replaying");
        run.replaying = false;
        tracing.workflow_inbound(&run, &WorkflowInbound::Started);
        let spans = exporter.get_finished_spans().expect("the spans");
        let [span] = spans.as_slice() else {
            panic!("one span: {spans:?}")
        };
        assert_eq!(span.name, "RunWorkflow:Order");
        assert_eq!((span.start_time, span.end_time), (time, time));
        assert_eq!(span.parent_span_id.to_string(), "b7ad6b7169203331");
    }

    #[test]
    fn a_run_started_without_a_trace_gets_spans_only_when_asked() {
        let (tracing, exporter) = tracer();
        let info = info();
        let untraced = Headers::new();
        let run = view(&info, &untraced);
        tracing.workflow_inbound(&run, &WorkflowInbound::Started);
        assert!(span_names(&exporter).is_empty());
        let tracing = tracing.always_create_workflow_spans(true);
        tracing.workflow_inbound(&run, &WorkflowInbound::Started);
        assert_eq!(span_names(&exporter), ["RunWorkflow:Order"]);
    }

    #[test]
    fn continue_as_new_carries_the_start_context_on_without_a_span() {
        let (tracing, exporter) = tracer();
        let info = info();
        let start_headers = traced_headers();
        let run = view(&info, &start_headers);
        let mut call = WorkflowOutbound::new(
            WorkflowOutboundKind::ContinueAsNew {
                workflow_type: "Order",
            },
            Headers::new(),
        );
        tracing.workflow_outbound(&run, &mut call);
        assert_eq!(
            call.headers().get(TRACE_HEADER),
            start_headers.get(TRACE_HEADER)
        );
        tracing.workflow_inbound(&run, &WorkflowInbound::Finished(RunOutcome::ContinuedAsNew));
        assert!(span_names(&exporter).is_empty());
    }

    #[test]
    fn a_failed_run_s_complete_span_has_an_error_status() {
        let (tracing, exporter) = tracer();
        let info = info();
        let start_headers = traced_headers();
        let run = view(&info, &start_headers);
        tracing.workflow_inbound(
            &run,
            &WorkflowInbound::Finished(RunOutcome::Failed {
                message: "card declined",
            }),
        );
        let spans = exporter.get_finished_spans().expect("the spans");
        assert_eq!(spans[0].name, "CompleteWorkflow:Order");
        assert_eq!(spans[0].status, Status::error("card declined"));
    }

    #[test]
    fn a_traceparent_round_trips_through_the_header() {
        let context = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .expect("a valid traceparent");
        let cx = Context::new().with_remote_span_context(context.clone());
        let mut headers = Headers::new();
        inject(&cx, &mut headers);
        let carrier: HashMap<String, String> = headers
            .decode(TRACE_HEADER)
            .expect("the header is set")
            .expect("a JSON object");
        assert_eq!(
            carrier["traceparent"],
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        );
        assert_eq!(span_context(&headers), Some(context));
    }

    #[test]
    fn invalid_traceparents_are_ignored() {
        for value in [
            "",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        ] {
            assert!(parse_traceparent(value).is_none(), "{value:?} was accepted");
        }
    }

    #[test]
    fn a_header_that_is_not_a_json_object_carries_no_context() {
        let mut headers = Headers::new();
        headers.encode(TRACE_HEADER, &42).expect("a number encodes");
        assert!(extract(&headers).is_none());
        assert!(extract(&Headers::new()).is_none());
    }
}
