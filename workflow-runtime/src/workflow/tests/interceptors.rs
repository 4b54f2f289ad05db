//! Workflow interceptors: what the hooks see of a run, and the headers they set on its
//! outbound calls.

use std::sync::{Arc, Mutex};

use super::*;
use crate::interceptor::{
    Headers, Interceptor, RunOutcome, RunView, WorkflowInbound, WorkflowOutbound,
    WorkflowOutboundKind,
};

/// Writes down every hook call, and sets `sent-by` on outbound calls.
#[derive(Default, Clone)]
struct Recorder {
    events: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn events(&self) -> Vec<String> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Interceptor for Recorder {
    fn workflow_inbound(&self, run: &RunView<'_>, event: &WorkflowInbound<'_>) {
        let replaying = if run.is_replaying() {
            " (replaying)"
        } else {
            ""
        };
        let event = match event {
            WorkflowInbound::Started => format!("started {}", run.info().workflow_type),
            WorkflowInbound::Signal { name, headers } => {
                format!("signal {name} from {:?}", headers.decode::<String>("from"))
            }
            WorkflowInbound::Query { name, .. } => format!("query {name}"),
            WorkflowInbound::Update { name, .. } => format!("update {name}"),
            WorkflowInbound::Finished(RunOutcome::Completed) => "completed".to_owned(),
            WorkflowInbound::Finished(outcome) => format!("finished {outcome:?}"),
        };
        if let Ok(mut events) = self.events.lock() {
            events.push(format!("{event}{replaying}"));
        }
    }

    fn workflow_outbound(&self, run: &RunView<'_>, call: &mut WorkflowOutbound<'_>) {
        if let WorkflowOutboundKind::Activity { activity_type, .. } = call.kind()
            && let Ok(mut events) = self.events.lock()
        {
            events.push(format!("schedule {activity_type}"));
        }
        call.headers_mut()
            .encode("sent-by", &run.info().workflow_id)
            .expect("a string encodes");
    }
}

fn interceptors(recorder: &Recorder) -> Interceptors {
    Interceptors::default().with(Arc::new(recorder.clone()))
}

#[test]
fn hooks_see_the_start_each_call_and_the_end_and_set_the_activity_s_headers() {
    let recorder = Recorder::default();
    let (mut run, commands) = TestRun::start_intercepted::<Checkout>(
        vec![payload(250_u64)],
        Vec::new(),
        &interceptors(&recorder),
    );
    let schedule = scheduled_activity(&commands[0]);
    assert_eq!(
        Headers::from_fields(schedule.headers.clone())
            .decode::<String>("sent-by")
            .map(Result::ok),
        Some(Some("wf-1".to_owned())),
        "the hook's header goes out with the activity"
    );
    let mut from = Headers::new();
    from.encode("from", "ops").expect("a string encodes");
    let Job::SignalWorkflow(mut signal) = signal("unknown", Vec::new()) else {
        unreachable!("a signal job")
    };
    signal.headers = from.into_fields();
    run.commands(vec![Job::SignalWorkflow(signal)]);
    run.commands(vec![completed(1, payload("txn-250"))]);
    let commands = run.commands(vec![fire(1)]);
    assert_eq!(completed_with::<String>(&commands), "txn-250");
    assert_eq!(
        recorder.events(),
        [
            "started Checkout",
            "schedule charge",
            "signal unknown from Some(Ok(\"ops\"))",
            "completed",
        ]
    );
}

#[test]
fn hooks_know_when_the_run_replays() {
    let recorder = Recorder::default();
    let (mut run, mut first) = TestRun::begin::<Checkout>(
        vec![payload(250_u64)],
        Vec::new(),
        7,
        &interceptors(&recorder),
    );
    first.is_replaying = true;
    commands(run.run.activate(first));
    assert_eq!(
        recorder.events(),
        ["started Checkout (replaying)", "schedule charge"]
    );
}

#[test]
fn a_failing_run_reports_its_failure_message() {
    let recorder = Recorder::default();
    let (mut run, _) = TestRun::start_intercepted::<Checkout>(
        vec![payload(250_u64)],
        Vec::new(),
        &interceptors(&recorder),
    );
    run.commands(vec![resolve(
        1,
        activity_resolution::Status::Failed(activity_result::Failure {
            failure: Some(application("PaymentDeclined", "card declined")),
            ..Default::default()
        }),
    )]);
    let last = recorder.events().pop().unwrap_or_default();
    assert!(
        last.starts_with("finished Failed"),
        "the end is reported: {last}"
    );
}
