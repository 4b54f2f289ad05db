//! Retiring a patch knowingly: which open runs hold no marker of a patch, so may still need its
//! old branch (`docs/versioning.md`).

use futures::TryStreamExt;
use temporalio_common::protos::{
    constants::PATCH_MARKER_NAME,
    coresdk::common::decode_change_marker_details,
    temporal::api::history::v1::{HistoryEvent, history_event},
};

use crate::client::{Client, error::ClientError, visibility::WorkflowExecution};

/// Whether `events` hold the marker of patch `patch_id` (deprecated or not), read the way core
/// reads it.
fn has_patch_marker(events: &[HistoryEvent], patch_id: &str) -> bool {
    events.iter().any(|event| {
        let Some(history_event::Attributes::MarkerRecordedEventAttributes(marker)) =
            &event.attributes
        else {
            return false;
        };
        marker.marker_name == PATCH_MARKER_NAME
            && decode_change_marker_details(&marker.details).is_some_and(|(id, _)| id == patch_id)
    })
}

impl Client {
    /// The open runs that match `query` (a visibility query; empty for every workflow) and
    /// whose history holds no marker of patch `patch_id`. These runs started before the patch,
    /// or have not reached it yet; while any is open, keep the patch's old branch. Once none
    /// is left, `ctx.patched(id)` can become `ctx.deprecate_patch(id)`. Each run's history is
    /// read, so narrow the query to the workflow type.
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// # async fn demo(client: Client) -> Result<(), workflow_runtime::ClientError> {
    /// let waiting = client
    ///     .runs_without_patch("WorkflowType = 'VersionedWorkflow'", "new-processor")
    ///     .await?;
    /// if waiting.is_empty() {
    ///     println!("no open run needs the old branch: the patch can be deprecated");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn runs_without_patch(
        &self,
        query: &str,
        patch_id: &str,
    ) -> Result<Vec<WorkflowExecution>, ClientError> {
        let open = if query.trim().is_empty() {
            "ExecutionStatus = 'Running'".to_owned()
        } else {
            format!("({query}) AND ExecutionStatus = 'Running'")
        };
        let runs: Vec<WorkflowExecution> = self.list_workflows(open).try_collect().await?;
        let mut without = Vec::new();
        for run in runs {
            let events = self
                .untyped_handle(run.workflow_id.clone(), Some(run.run_id.clone()))
                .history()
                .await?;
            if !has_patch_marker(&events, patch_id) {
                without.push(run);
            }
        }
        Ok(without)
    }
}

#[cfg(test)]
mod tests {
    use temporalio_common::protos::{
        coresdk::common::build_has_change_marker_details,
        temporal::api::history::v1::MarkerRecordedEventAttributes,
    };

    use super::*;

    /// A marker event as core writes it for patch `id`.
    fn marker(name: &str, id: &str, deprecated: bool) -> HistoryEvent {
        HistoryEvent {
            attributes: Some(history_event::Attributes::MarkerRecordedEventAttributes(
                MarkerRecordedEventAttributes {
                    marker_name: name.to_owned(),
                    details: build_has_change_marker_details(id, deprecated)
                        .expect("core encodes the marker"),
                    ..Default::default()
                },
            )),
            ..Default::default()
        }
    }

    #[test]
    fn a_patch_marker_is_found_by_its_id_deprecated_or_not() {
        let events = [
            HistoryEvent::default(),
            marker(PATCH_MARKER_NAME, "v2", true),
        ];
        assert!(has_patch_marker(&events, "v2"));
        assert!(!has_patch_marker(&events, "v3"));
        assert!(has_patch_marker(
            &[marker(PATCH_MARKER_NAME, "v2", false)],
            "v2"
        ));
        // Another marker with the same details (a local activity's, say) is not a patch.
        assert!(!has_patch_marker(
            &[marker("core_local_activity", "v2", false)],
            "v2"
        ));
    }
}
