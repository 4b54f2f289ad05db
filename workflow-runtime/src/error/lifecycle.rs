//! The errors of the workflow lifecycle: a cancellation seen by workflow code, a child
//! workflow that failed or did not start, a signal or cancellation another workflow did not
//! receive, and a saga whose compensations ran.

use std::fmt;

use temporalio_common::protos::temporal::api::failure::v1::{Failure, failure::FailureInfo};

use super::{
    FailureChain, FailureView, PayloadError, WorkflowError, chain, describe, first_application,
};

/// A cancellation seen by workflow code: the workflow's cancellation was requested (by a client's
/// `handle.cancel()`, `temporal workflow cancel`, or a parent), or the code cancelled the timer
/// or wait itself.
///
/// Returned by the awaits that a cancellation interrupts: [`Timer`](crate::Timer),
/// [`wait_condition`](crate::WorkflowContext::wait_condition) and
/// [`cancelled`](crate::WorkflowContext::cancelled). `?` turns it into a [`WorkflowError`] that
/// ends the run as *cancelled* when the workflow's cancellation was requested.
///
/// ```
/// use workflow_runtime::{Cancelled, WorkflowError};
/// let cancelled = Cancelled::new("operator asked");
/// assert_eq!(cancelled.reason(), "operator asked");
/// let error: WorkflowError = cancelled.into();
/// assert!(error.is_cancelled());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cancelled: {reason}")]
pub struct Cancelled {
    reason: String,
}

impl Cancelled {
    /// A cancellation with a reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// Why it was cancelled: the reason given with the workflow's cancellation request, or what
    /// the code cancelled.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// A child workflow did not complete successfully: it could not start (for example, a
/// workflow with its id is already running), or it failed, timed out, was terminated or was
/// cancelled. The child's own failure is in the chain ([`application_error`](Self::application_error),
/// [`view`](Self::view)).
#[derive(Debug, Clone)]
pub struct ChildWorkflowFailed {
    pub(crate) workflow_type: String,
    pub(crate) workflow_id: String,
    pub(crate) start_refused: Option<ChildStartRefused>,
    pub(crate) failure: FailureChain,
}

/// Why the server refused to start a child workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildStartRefused {
    /// A workflow with the child's id is already running (or the id reuse policy forbids
    /// reusing a closed one).
    AlreadyExists,
    /// The server refused for another reason (the namespace was not found, or a cause this
    /// version does not know).
    Other,
}

impl ChildWorkflowFailed {
    /// The child's workflow type.
    pub fn workflow_type(&self) -> &str {
        &self.workflow_type
    }

    /// The child's workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// Why the child could not start, if it never started.
    pub fn start_refused(&self) -> Option<ChildStartRefused> {
        self.start_refused
    }

    /// Whether the child was terminated.
    pub fn is_terminated(&self) -> bool {
        chain(&self.failure)
            .any(|f| matches!(f.failure_info, Some(FailureInfo::TerminatedFailureInfo(_))))
    }

    failure_accessors!();
}

impl std::error::Error for ChildWorkflowFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failure.source()
    }
}

impl fmt::Display for ChildWorkflowFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "child workflow `{}` (workflow id `{}`) ",
            self.workflow_type, self.workflow_id
        )?;
        match self.start_refused {
            Some(ChildStartRefused::AlreadyExists) => f.write_str(
                "could not start: a workflow with this id is already running; give each child a \
                 unique workflow id, or set an id reuse policy that allows it",
            ),
            Some(ChildStartRefused::Other) => {
                f.write_str("could not start: ")?;
                describe(&self.failure, f)
            }
            None => {
                f.write_str("failed: ")?;
                describe(&self.failure, f)
            }
        }
    }
}

/// Signalling or cancelling another workflow from workflow code failed: typically no running
/// workflow has that id.
#[derive(Debug, Clone)]
pub struct ExternalWorkflowFailed {
    pub(crate) workflow_id: String,
    pub(crate) operation: &'static str,
    pub(crate) failure: FailureChain,
}

impl ExternalWorkflowFailed {
    /// The target's workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// Whether the target workflow was not found (no running workflow has the id). Core
    /// reports it as an application failure whose type names the server's cause.
    pub fn is_not_found(&self) -> bool {
        first_application(&self.failure)
            .is_some_and(|(_, info)| crate::foreign_text::is_not_found_failure_type(&info.r#type))
    }

    failure_accessors!();
}

impl std::error::Error for ExternalWorkflowFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failure.source()
    }
}

impl fmt::Display for ExternalWorkflowFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} workflow `{}` failed: ",
            self.operation, self.workflow_id
        )?;
        describe(&self.failure, f)
    }
}

/// A saga's step failed and its compensations ran. Converting it into a [`WorkflowError`]
/// (with `?`) keeps the original error, so callers in any language see the step's failure;
/// the compensation failures are logged as warnings and readable here.
#[derive(Debug, Clone)]
pub struct SagaFailed {
    error: WorkflowError,
    compensation_failures: Vec<(String, WorkflowError)>,
}

impl SagaFailed {
    pub(crate) fn new(
        error: WorkflowError,
        compensation_failures: Vec<(String, WorkflowError)>,
    ) -> Self {
        Self {
            error,
            compensation_failures,
        }
    }

    /// The error of the step that failed.
    pub fn error(&self) -> &WorkflowError {
        &self.error
    }

    /// The compensations that failed, by name, in the order they ran.
    pub fn compensation_failures(&self) -> &[(String, WorkflowError)] {
        &self.compensation_failures
    }

    /// The original error, dropping the compensation failures.
    pub fn into_error(self) -> WorkflowError {
        self.error
    }
}

impl fmt::Display for SagaFailed {
    /// The step's error, then each failed compensation; the step error's causes are the
    /// [`source`](std::error::Error::source).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "saga step failed: {}", self.error)?;
        for (name, failure) in &self.compensation_failures {
            write!(f, "; compensation `{name}` failed: {failure:#}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SagaFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}
