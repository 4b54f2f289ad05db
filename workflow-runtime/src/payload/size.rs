//! The sizes of payloads as the server measures them against a namespace's payload limit
//! (`blob_size_limit_error`, 2 MiB by default): each payload field as the `Payloads` message it
//! travels in.

use futures::future::BoxFuture;
use temporalio_common::{
    payload_visitor::{AsyncPayloadVisitor, PayloadField, PayloadFieldData, PayloadVisitable},
    protos::temporal::api::common::v1::Payload,
};

/// A payload field over the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Oversized {
    /// The field, as `Message.field` (for example `CompleteWorkflowExecution.result`).
    pub(crate) field: &'static str,
    pub(crate) size: usize,
}

/// The size of one payload sent as a payload set: a `Payloads` message holding it, measured
/// without copying it.
pub(crate) fn payload_set_size(payload: &Payload) -> usize {
    prost::encoding::message::encoded_len(1, payload)
}

/// The largest payload field of `message` over `limit`, if one is.
pub(crate) async fn largest_over<M: PayloadVisitable + prost::Message>(
    message: &mut M,
    limit: usize,
) -> Option<Oversized> {
    // No field is larger than the whole message: most messages need no visit, which boxes a
    // future per payload field.
    if message.encoded_len() <= limit {
        return None;
    }
    let mut measure = Largest { limit, found: None };
    // The visitor never fails.
    let _ = message.visit_payloads_mut(&mut measure).await;
    measure.found
}

struct Largest {
    limit: usize,
    found: Option<Oversized>,
}

impl AsyncPayloadVisitor for Largest {
    fn visit<'a>(
        &'a mut self,
        field: PayloadField<'a>,
    ) -> BoxFuture<'a, Result<(), temporalio_common::data_converters::PayloadConversionError>> {
        let size = match &field.data {
            PayloadFieldData::Single(payload) => payload_set_size(payload),
            PayloadFieldData::Repeated(payloads) => payloads.iter().map(payload_set_size).sum(),
            PayloadFieldData::Payloads(payloads) => prost::Message::encoded_len(&**payloads),
        };
        let larger = self.found.as_ref().is_none_or(|found| size > found.size);
        if size > self.limit && larger {
            self.found = Some(Oversized {
                field: short_path(field.path),
                size,
            });
        }
        Box::pin(async { Ok(()) })
    }
}

/// `Message.field` out of a fully qualified field path.
fn short_path(path: &'static str) -> &'static str {
    let mut dots = path.rmatch_indices('.').map(|(i, _)| i);
    match (dots.next(), dots.next()) {
        (Some(_), Some(start)) => &path[start + 1..],
        _ => path,
    }
}

/// `bytes` in MiB to one decimal, with the exact count.
pub(crate) fn mebibytes(bytes: usize) -> String {
    // Shown to one decimal: precision lost in the cast does not show.
    #[allow(clippy::cast_precision_loss)]
    let mib = bytes as f64 / (1024.0 * 1024.0);
    format!("{mib:.1} MiB ({bytes} bytes)")
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::coresdk::{
        workflow_commands::{
            CompleteWorkflowExecution, ScheduleActivity, WorkflowCommand, workflow_command,
        },
        workflow_completion::{
            Success, WorkflowActivationCompletion, workflow_activation_completion,
        },
    };

    use super::*;

    fn payload(bytes: usize) -> Payload {
        Payload {
            data: vec![b'x'; bytes],
            ..Default::default()
        }
    }

    fn command(variant: workflow_command::Variant) -> WorkflowCommand {
        WorkflowCommand {
            variant: Some(variant),
            ..Default::default()
        }
    }

    fn completion(commands: Vec<WorkflowCommand>) -> WorkflowActivationCompletion {
        WorkflowActivationCompletion {
            run_id: "run".into(),
            status: Some(workflow_activation_completion::Status::Successful(
                Success {
                    commands,
                    ..Default::default()
                },
            )),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn the_largest_field_over_the_limit_is_named_with_its_size() {
        let commands = vec![
            command(workflow_command::Variant::ScheduleActivity(
                ScheduleActivity {
                    arguments: vec![payload(300), payload(300)],
                    ..Default::default()
                },
            )),
            command(workflow_command::Variant::CompleteWorkflowExecution(
                CompleteWorkflowExecution {
                    result: Some(payload(1000)),
                },
            )),
        ];
        let mut both = completion(commands.clone());
        let found = largest_over(&mut both, 500).await.expect("one is over");
        assert_eq!(found.field, "CompleteWorkflowExecution.result");
        assert_eq!(found.size, payload_set_size(&payload(1000)));
        assert!(largest_over(&mut both, 2000).await.is_none());
        let activity = largest_over(&mut completion(commands[..1].to_vec()), 500).await;
        assert_eq!(
            activity.map(|found| found.field),
            Some("ScheduleActivity.arguments")
        );
    }

    #[test]
    fn sizes_read_in_mebibytes() {
        assert_eq!(mebibytes(3 * 1024 * 1024), "3.0 MiB (3145728 bytes)");
    }
}
