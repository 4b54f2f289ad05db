//! The error types' conversions to and from failures, and their reports.

use super::*;

#[test]
fn activity_failure_keeps_inner_type_through_workflow_error() {
    let inner = ActivityError::non_retryable("PaymentDeclined", "card declined").into_failure();
    let failed = ActivityFailed {
        activity_type: "charge_payment".into(),
        failure: Box::new(Failure {
            message: "Activity task failed".into(),
            cause: Some(Box::new(inner)),
            ..Default::default()
        })
        .into(),
    };
    let wf: WorkflowError = failed.into();
    assert_eq!(wf.error_type(), Some("PaymentDeclined"));
    assert_eq!(wf.message(), "card declined");
    assert!(wf.is_non_retryable());
}

#[test]
fn the_raised_error_is_the_outermost_application_failure_and_its_causes_follow() {
    let raised = ActivityError::non_retryable("PyOuter", "outer")
        .with_details(&7)
        .expect("details encode")
        .with_cause(ActivityError::retryable("PyInner", "inner"));
    let failed = ActivityFailed {
        activity_type: "py_fail".into(),
        failure: Box::new(Failure {
            message: "Activity task failed".into(),
            cause: Some(Box::new(raised.into_failure())),
            ..Default::default()
        })
        .into(),
    };
    assert_eq!(failed.error_type(), Some("PyOuter"));
    assert_eq!(failed.message(), "outer");
    assert!(failed.is_non_retryable());
    assert_eq!(failed.details::<u32>().and_then(Result::ok), Some(7));
    let cause = failed
        .application_error()
        .and_then(|raised| raised.cause())
        .expect("the cause is kept");
    assert_eq!(cause.error_type(), Some("PyInner"));
    assert_eq!(cause.message(), "inner");
    assert!(!cause.is_non_retryable());
    let through_workflow: WorkflowError = failed.into();
    assert_eq!(through_workflow.error_type(), Some("PyOuter"));
    assert_eq!(through_workflow.to_string(), "Activity task failed");
    assert_eq!(
        format!("{through_workflow:#}"),
        "Activity task failed: outer (type PyOuter): inner (type PyInner)"
    );
}

#[test]
fn encoding_common_attributes_hides_them_and_decoding_restores_them() {
    let mut failure = WorkflowError::application("Outer", "secret reason")
        .with_cause(WorkflowError::application("Inner", "secret cause"))
        .failure;
    FailureEncoding::CommonAttributes.apply(&mut failure);
    assert_eq!(failure.message, "Encoded failure");
    let cause = failure.cause.as_deref().expect("cause");
    assert_eq!(cause.message, "Encoded failure");
    assert!(
        !String::from_utf8_lossy(&cause.encoded_attributes.as_ref().expect("encoded").data)
            .is_empty()
    );
    let failed = WorkflowFailed {
        failure: received(*failure.into_failure()),
    };
    assert_eq!(failed.message(), "secret reason");
    assert_eq!(
        failed.view().cause().map(|c| c.message()),
        Some("secret cause")
    );
}

#[test]
fn encoded_common_attributes_are_decoded_on_the_way_in() {
    let inner = Failure {
        message: "Encoded failure".into(),
        encoded_attributes: Some(
            encode(&serde_json::json!({"message": "real inner", "stack_trace": "at b"}))
                .expect("encodes"),
        ),
        ..application_failure("Inner", "", Retry::Retryable, None)
    };
    let outer = Failure {
        message: "Encoded failure".into(),
        encoded_attributes: Some(
            encode(&serde_json::json!({"message": "real outer", "stack_trace": "at a"}))
                .expect("encodes"),
        ),
        cause: Some(Box::new(inner)),
        ..application_failure("Outer", "", Retry::Retryable, None)
    };
    let failed = WorkflowFailed {
        failure: received(outer),
    };
    assert_eq!(failed.message(), "real outer");
    assert_eq!(failed.view().stack_trace(), "at a");
    let cause = failed.view().cause().expect("cause");
    assert_eq!(cause.message(), "real inner");
    assert_eq!(cause.stack_trace(), "at b");
    assert!(failed.failure().encoded_attributes.is_none());
}

#[test]
fn payload_errors_carry_the_documented_failure_type() {
    // `?` on a payload error goes through the blanket conversion, which names the Rust type;
    // the wire contract promises `failure_type::PAYLOAD_ERROR`.
    let error = PayloadError::new("bad");
    let a: ActivityError = error.clone().into();
    assert_eq!(a.error_type(), failure_type::PAYLOAD_ERROR);
    let w: WorkflowError = error.into();
    assert_eq!(w.error_type(), Some(failure_type::PAYLOAD_ERROR));
}

#[test]
fn std_errors_convert_with_their_type_name() {
    let io = std::io::Error::other("disk on fire");
    let a: ActivityError = io.into();
    assert_eq!(a.error_type(), "io::Error");
    assert!(a.is_retryable());
    let w: WorkflowError = std::fmt::Error.into();
    assert_eq!(w.error_type(), Some("fmt::Error"));
}

/// A Rust error with a source, as `thiserror` writes them.
#[derive(Debug, thiserror::Error)]
#[error("cannot reserve stock")]
struct ReserveFailed(#[source] std::io::Error);

#[test]
fn a_converted_error_stays_the_source_and_its_causes_travel_in_the_failure() {
    let error: ActivityError = ReserveFailed(std::io::Error::other("warehouse offline")).into();
    assert_eq!(error.error_type(), "ReserveFailed");
    assert_eq!(error.message(), "cannot reserve stock");
    assert!(
        error
            .source()
            .is_some_and(|source| source.downcast_ref::<ReserveFailed>().is_some())
    );
    let failure = error.into_failure();
    let cause = failure
        .cause
        .as_deref()
        .expect("the io error travels as the cause");
    assert_eq!(cause.message, "warehouse offline");

    let error: WorkflowError = ReserveFailed(std::io::Error::other("warehouse offline")).into();
    assert_eq!(error.error_type(), Some("ReserveFailed"));
    assert_eq!(
        error.view().cause().map(|cause| cause.message()),
        Some("warehouse offline")
    );
    let source = error.source().expect("the original error");
    assert!(source.downcast_ref::<ReserveFailed>().is_some());
    assert!(source.source().is_some_and(|io| io.is::<std::io::Error>()));
}

#[test]
fn a_report_lists_each_cause_of_a_failure_once() {
    let raised = ActivityError::non_retryable("PaymentDeclined", "card declined")
        .with_cause(ActivityError::retryable("GatewayDown", "gateway timed out"));
    let failed = WorkflowFailed {
        failure: received(Failure {
            message: "Activity task failed".into(),
            cause: Some(Box::new(raised.into_failure())),
            ..Default::default()
        }),
    };
    let report = format!("{:?}", anyhow::Error::from(failed.clone()));
    // `RUST_BACKTRACE` adds anyhow's backtrace after the causes.
    let report = report
        .split("\n\nStack backtrace:")
        .next()
        .unwrap_or_default();
    assert_eq!(
        report,
        "workflow failed: Activity task failed\n\n\
         Caused by:\n    \
         0: card declined (type PaymentDeclined)\n    \
         1: gateway timed out (type GatewayDown)"
    );
    assert_eq!(
        format!("{failed:#}"),
        "workflow failed: Activity task failed: card declined (type PaymentDeclined): \
         gateway timed out (type GatewayDown)"
    );
    let chain: Vec<String> =
        std::iter::successors(std::error::Error::source(&failed), |cause| cause.source())
            .map(|cause| {
                let cause = cause
                    .downcast_ref::<FailureCause>()
                    .expect("a failure cause");
                cause.view().error_type().unwrap_or_default().to_owned()
            })
            .collect();
    assert_eq!(chain, ["PaymentDeclined", "GatewayDown"]);
}

#[test]
fn a_payload_error_keeps_serdes_error_as_its_source() {
    let payload = encode(&"three").expect("encodes");
    let error = crate::payload::arguments::decode_arg::<u32>(&[payload], 0, "activity `count`")
        .expect_err("a string is no number");
    assert_eq!(error.to_string(), "argument 0 of activity `count`");
    let decode = std::error::Error::source(&error).expect("the decode error");
    assert!(
        decode
            .to_string()
            .starts_with("cannot decode payload (json/plain) as `u32`")
    );
    assert!(
        decode
            .source()
            .is_some_and(|serde| serde.is::<serde_json::Error>())
    );
    assert_eq!(
        error.message(),
        format!(
            "argument 0 of activity `count`: {decode}: {}",
            decode.source().expect("serde")
        )
    );
}

#[test]
fn complete_async_is_neither_retried_nor_a_cancellation_and_fails_a_local_activity_saying_why() {
    let later = ActivityError::complete_async();
    assert!(later.is_complete_async());
    assert!(!later.is_retryable() && !later.is_cancelled());
    let failure = later.into_failure();
    let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info else {
        panic!("an application failure: {failure:?}");
    };
    assert_eq!(info.r#type, failure_type::COMPLETE_ASYNC);
    assert!(info.non_retryable);
    assert!(
        failure
            .message
            .contains("a local activity cannot complete asynchronously")
    );
    let token = crate::TaskToken::from_bytes(vec![7; 40]);
    assert_eq!(
        format!("{token:?}"),
        "TaskToken(40 bytes)",
        "no token bytes in logs"
    );
}
