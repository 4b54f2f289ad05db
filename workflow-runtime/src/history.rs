//! One workflow run's recorded history, from wherever it was saved: a JSON or binary protobuf
//! file, a folder of them, or the server through a client.

use std::path::{Path, PathBuf};

use prost::Message;
use temporalio_common::protos::temporal::api::history::v1::{
    History, HistoryEvent, WorkflowExecutionStartedEventAttributes, history_event::Attributes,
};

mod json;

use json::{DecodeFailure, history_from_json, history_to_json};

/// A history could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The content is neither a JSON nor a binary protobuf history.
    #[error("{}: {reason}", origin.display())]
    Decode {
        /// The file, or `<json>`/`<binary>` for in-memory content.
        origin: PathBuf,
        /// What was wrong.
        reason: String,
        /// The error of the decoder that found it, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The events do not start a workflow run.
    #[error("{}: {reason}", origin.display())]
    NotARun {
        /// Where the history came from.
        origin: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

/// The events of one workflow run, with the workflow id they belong to.
///
/// ```
/// use workflow_runtime::replay::WorkflowHistory;
/// let json = r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
///     "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "OrderWorkflow"},
///     "taskQueue": {"name": "orders"}}}]}"#;
/// let history = WorkflowHistory::from_json("order-17", json)?;
/// assert_eq!(history.workflow_id(), "order-17");
/// assert_eq!(history.workflow_type(), "OrderWorkflow");
/// # Ok::<(), workflow_runtime::replay::HistoryError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowHistory {
    workflow_id: String,
    events: Vec<HistoryEvent>,
}

impl WorkflowHistory {
    /// The events of a run of workflow `workflow_id`. The first event must be
    /// `WorkflowExecutionStarted`.
    pub fn new(
        workflow_id: impl Into<String>,
        events: Vec<HistoryEvent>,
    ) -> Result<Self, HistoryError> {
        let workflow_id = workflow_id.into();
        Self::checked(workflow_id.clone(), events, PathBuf::from(workflow_id))
    }

    /// A history saved as proto JSON (by `temporal workflow show -o json` or the Temporal UI),
    /// with either the current or the older enum spelling.
    pub fn from_json(workflow_id: impl Into<String>, json: &str) -> Result<Self, HistoryError> {
        let origin = PathBuf::from("<json>");
        let history = history_from_json(json).map_err(|failure| failure.at(&origin))?;
        Self::checked(workflow_id.into(), history.events, origin)
    }

    /// A history saved as binary protobuf (`temporal.api.history.v1.History`).
    pub fn from_binary(workflow_id: impl Into<String>, bytes: &[u8]) -> Result<Self, HistoryError> {
        let origin = PathBuf::from("<binary>");
        let history = History::decode(bytes).map_err(|e| {
            DecodeFailure::caused_by("not a binary protobuf History", e).at(&origin)
        })?;
        Self::checked(workflow_id.into(), history.events, origin)
    }

    /// A history file, JSON or binary protobuf (told apart by content). The workflow id is
    /// the one recorded in the start event, or else the file's name without extension.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, HistoryError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| HistoryError::Read {
            path: path.to_owned(),
            source,
        })?;
        let fallback_id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let looks_like_json = bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
        let decoded = if looks_like_json {
            let text = String::from_utf8(bytes).map_err(|e| {
                DecodeFailure::caused_by("starts like JSON but is not UTF-8", e).at(path)
            })?;
            history_from_json(&text)
        } else {
            History::decode(bytes.as_slice()).map_err(|e| {
                DecodeFailure::caused_by("neither JSON nor a binary protobuf History", e)
            })
        };
        let history = decoded.map_err(|failure| failure.at(path))?;
        let workflow_id = started(&history.events)
            .map(|s| s.workflow_id.clone())
            .filter(|id| !id.is_empty())
            .unwrap_or(fallback_id);
        Self::checked(workflow_id, history.events, path.to_owned())
    }

    fn checked(
        workflow_id: String,
        events: Vec<HistoryEvent>,
        origin: PathBuf,
    ) -> Result<Self, HistoryError> {
        if started(&events).is_none() {
            return Err(HistoryError::NotARun {
                origin,
                reason: "the history does not start with WorkflowExecutionStarted".to_owned(),
            });
        }
        Ok(Self {
            workflow_id,
            events,
        })
    }

    /// The history as proto JSON, in the form `temporal workflow show -o json` writes and
    /// [`from_json`](Self::from_json) reads: for keeping histories to replay after each
    /// change.
    pub fn to_json(&self) -> Result<String, HistoryError> {
        history_to_json(&History {
            events: self.events.clone(),
        })
        .map_err(|failure| failure.at(Path::new(&self.workflow_id)))
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The workflow type named by the start event.
    pub fn workflow_type(&self) -> &str {
        started(&self.events)
            .and_then(|s| s.workflow_type.as_ref())
            .map_or("", |t| t.name.as_str())
    }

    /// The task queue named by the start event.
    pub fn task_queue(&self) -> &str {
        started(&self.events)
            .and_then(|s| s.task_queue.as_ref())
            .map_or("", |q| q.name.as_str())
    }

    /// The events, first to last.
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }

    /// The events, for the caller to keep.
    pub fn into_events(self) -> Vec<HistoryEvent> {
        self.events
    }
}

impl DecodeFailure {
    /// The public error, naming where the history came from.
    fn at(self, origin: &Path) -> HistoryError {
        HistoryError::Decode {
            origin: origin.to_owned(),
            reason: self.reason.to_owned(),
            source: self.source,
        }
    }
}

/// The history files (`*.json`, `*.binpb`, `*.pb`) directly in `folder`, sorted by name.
pub(crate) fn history_files(folder: &Path) -> Result<Vec<PathBuf>, HistoryError> {
    let read_error = |source| HistoryError::Read {
        path: folder.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let by_name = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "json" | "binpb" | "pb"));
        if by_name && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn started(events: &[HistoryEvent]) -> Option<&WorkflowExecutionStartedEventAttributes> {
    match events.first().and_then(|e| e.attributes.as_ref()) {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) => Some(started),
        _ => None,
    }
}
