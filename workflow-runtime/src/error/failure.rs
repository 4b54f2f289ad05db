//! Temporal `Failure` protos: how this runtime builds them, walks their cause chains, and the
//! failure types it writes, which other languages' SDKs read.

use std::{fmt, sync::OnceLock};

use temporalio_common::protos::temporal::api::{
    common::v1::Payloads,
    failure::v1::{ApplicationFailureInfo, Failure, failure::FailureInfo},
};

/// The `source` recorded in failures raised by this runtime.
pub(crate) const FAILURE_SOURCE: &str = "workflow-runtime";

/// The application failure types this runtime writes into Temporal failures.
///
/// They are part of the wire contract: a Python, Go or TypeScript caller matches on them
/// (`ApplicationError.type` in Python), so they never change spelling.
///
/// ```
/// use workflow_runtime::failure_type;
/// assert_eq!(failure_type::PAYLOAD_ERROR, "PayloadError");
/// ```
pub mod failure_type {
    /// A value did not convert to or from a payload: an argument, a result or a detail that
    /// does not decode as the declared Rust type. Non-retryable: the same bytes fail again.
    pub const PAYLOAD_ERROR: &str = "PayloadError";
    /// A query handler or an update validator panicked (a panicking update handler fails the
    /// workflow task instead).
    pub const PANIC: &str = "Panic";
    /// An activity panicked; the attempt fails and the retry policy applies.
    pub const ACTIVITY_PANIC: &str = "ActivityPanic";
    /// A local activity returned [`ActivityError::complete_async`](crate::ActivityError::complete_async),
    /// which only a remote activity can. Non-retryable.
    pub const COMPLETE_ASYNC: &str = "CompleteAsync";
    /// A workflow task failed (a panic in workflow code, an unknown workflow type, a tokio call
    /// on the workflow thread); the server retries the task.
    pub const WORKFLOW_TASK_FAILED: &str = "WorkflowTaskFailed";
    /// A query named no query handler of the workflow.
    pub const QUERY_NOT_FOUND: &str = "QueryNotFound";
    /// An update named no update handler of the workflow; it is rejected.
    pub const UPDATE_NOT_FOUND: &str = "UpdateNotFound";
    /// An activity task named an activity type the worker does not register.
    pub const ACTIVITY_NOT_REGISTERED: &str = "ActivityNotRegistered";
    /// An activity resolution carried no failure of its own (core sent no outcome).
    pub const ACTIVITY_FAILED: &str = "ActivityFailed";
    /// The server refused to start a child workflow (its id is taken, or another cause the
    /// message names).
    pub const CHILD_WORKFLOW_START_FAILED: &str = "ChildWorkflowStartFailed";
    /// The payload codec could not decode an activity's arguments or encode its result; the
    /// attempt fails and the retry policy applies (a key service may come back).
    pub const CODEC_ERROR: &str = "CodecError";
    /// An activity's result is larger than the namespace's payload size limit (the same type
    /// core writes when the server refuses a payload); not retried.
    pub const PAYLOADS_TOO_LARGE: &str = "PayloadsTooLarge";

    /// Every failure type above.
    pub const ALL: [&str; 11] = [
        PAYLOAD_ERROR,
        PANIC,
        ACTIVITY_PANIC,
        WORKFLOW_TASK_FAILED,
        QUERY_NOT_FOUND,
        UPDATE_NOT_FOUND,
        ACTIVITY_NOT_REGISTERED,
        ACTIVITY_FAILED,
        CHILD_WORKFLOW_START_FAILED,
        CODEC_ERROR,
        PAYLOADS_TOO_LARGE,
    ];
}

/// Whether the server may retry after an application failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// The retry policy decides.
    Retryable,
    /// Never retried, whatever the retry policy says.
    NonRetryable,
}

/// Builds an application failure with a type and a message.
pub(crate) fn application_failure(
    error_type: &str,
    message: &str,
    retry: Retry,
    details: Option<Payloads>,
) -> Failure {
    Failure {
        message: message.to_owned(),
        source: FAILURE_SOURCE.to_owned(),
        failure_info: Some(FailureInfo::ApplicationFailureInfo(
            ApplicationFailureInfo {
                r#type: error_type.to_owned(),
                non_retryable: retry == Retry::NonRetryable,
                details,
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// A cancellation failure with a message.
pub(crate) fn cancelled_failure(message: String) -> Failure {
    Failure {
        message,
        source: FAILURE_SOURCE.to_owned(),
        failure_info: Some(FailureInfo::CanceledFailureInfo(Default::default())),
        ..Default::default()
    }
}

/// Whether a failure reports a cancellation: a cancellation itself, or an activity or child
/// workflow that ended because it was cancelled. A run whose cancellation was requested and
/// whose code returns such an error ends as cancelled rather than failed (the rule of the
/// TypeScript and Python SDKs).
pub(crate) fn is_cancellation(failure: &Failure) -> bool {
    match &failure.failure_info {
        Some(FailureInfo::CanceledFailureInfo(_)) => true,
        Some(
            FailureInfo::ActivityFailureInfo(_) | FailureInfo::ChildWorkflowExecutionFailureInfo(_),
        ) => failure.cause.as_deref().is_some_and(|cause| {
            matches!(
                cause.failure_info,
                Some(FailureInfo::CanceledFailureInfo(_))
            )
        }),
        _ => false,
    }
}

/// The failure and its causes, outermost first.
pub(crate) fn chain(failure: &Failure) -> impl Iterator<Item = &Failure> {
    std::iter::successors(Some(failure), |f| f.cause.as_deref())
}

/// The outermost application failure of a chain: the error the application raised, below the
/// activity or child-workflow failure that wraps it. Its own causes stay reachable through
/// [`FailureView::cause`].
pub(crate) fn first_application(failure: &Failure) -> Option<(&Failure, &ApplicationFailureInfo)> {
    chain(failure).find_map(|f| match &f.failure_info {
        Some(FailureInfo::ApplicationFailureInfo(info)) => Some((f, info)),
        _ => None,
    })
}

/// The message that stands in for the real one when a failure's message and stack trace are
/// encoded into `encoded_attributes` (the SDKs' "encode common attributes" option).
const ENCODED_FAILURE_MESSAGE: &str = "Encoded failure";

/// Whether outgoing failures keep their message and stack trace in the clear, or move them into
/// `encoded_attributes` (the SDKs' "encode common attributes" option), where the payload codec
/// encrypts them. Receivers decode them either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum FailureEncoding {
    /// Message and stack trace in the clear.
    #[default]
    Plain,
    /// Message and stack trace in `encoded_attributes`; the message reads `Encoded failure`.
    CommonAttributes,
}

impl FailureEncoding {
    /// Applies the encoding to every failure of the chain.
    pub(crate) fn apply(self, failure: &mut Failure) {
        if self == FailureEncoding::Plain {
            return;
        }
        let mut link = Some(failure);
        while let Some(failure) = link {
            if failure.encoded_attributes.is_none() {
                let common = serde_json::json!({
                    "message": failure.message,
                    "stack_trace": failure.stack_trace,
                });
                if let Ok(encoded) = crate::payload::encode(&common) {
                    failure.encoded_attributes = Some(encoded);
                    failure.message = ENCODED_FAILURE_MESSAGE.to_owned();
                    failure.stack_trace.clear();
                }
            }
            link = failure.cause.as_deref_mut();
        }
    }
}

/// Restores the message and stack trace of every failure in the chain whose common attributes
/// were encoded by the sender (`{"message": .., "stack_trace": ..}` in `encoded_attributes`), as
/// every SDK's failure converter does on the way in.
pub(crate) fn decode_common_attributes(failure: &mut Failure) {
    #[derive(serde::Deserialize)]
    struct Common {
        #[serde(default)]
        message: String,
        #[serde(default)]
        stack_trace: String,
    }
    let mut link = Some(failure);
    while let Some(failure) = link {
        if let Some(encoded) = &failure.encoded_attributes
            && let Ok(common) = crate::payload::decode::<Common>(encoded)
        {
            if failure.message.is_empty() || failure.message == ENCODED_FAILURE_MESSAGE {
                failure.message = common.message;
            }
            if failure.stack_trace.is_empty() {
                failure.stack_trace = common.stack_trace;
            }
            failure.encoded_attributes = None;
        }
        link = failure.cause.as_deref_mut();
    }
}

/// A failure as it arrives from the server, its common attributes decoded.
pub(crate) fn received(mut failure: Failure) -> FailureChain {
    decode_common_attributes(&mut failure);
    failure.into()
}

/// One failure of a chain, read-only: what an error raised in any language looks like from
/// here (its type, message, details, retry flag) and its cause.
///
/// ```
/// use workflow_runtime::WorkflowError;
/// let error = WorkflowError::application("Outer", "could not ship")
///     .with_cause(WorkflowError::application("Inner", "no stock"));
/// let cause = error.view().cause().expect("a cause");
/// assert_eq!(cause.error_type(), Some("Inner"));
/// assert_eq!(cause.message(), "no stock");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FailureView<'a> {
    failure: &'a Failure,
}

impl<'a> FailureView<'a> {
    pub(crate) fn new(failure: &'a Failure) -> Self {
        Self { failure }
    }

    fn application(&self) -> Option<&'a ApplicationFailureInfo> {
        match &self.failure.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(info)) => Some(info),
            _ => None,
        }
    }

    /// The application error type, when this is an application failure.
    pub fn error_type(&self) -> Option<&'a str> {
        self.application().map(|info| info.r#type.as_str())
    }

    /// The message.
    pub fn message(&self) -> &'a str {
        &self.failure.message
    }

    /// The stack trace the sender recorded, if any (other SDKs record one).
    pub fn stack_trace(&self) -> &'a str {
        &self.failure.stack_trace
    }

    /// Whether this application failure was marked non-retryable.
    pub fn is_non_retryable(&self) -> bool {
        self.application().is_some_and(|info| info.non_retryable)
    }

    /// Decodes the first detail payload of this application failure.
    pub fn details<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Option<Result<T, crate::payload::PayloadError>> {
        let payload = self.application()?.details.as_ref()?.payloads.first()?;
        Some(crate::payload::decode(payload))
    }

    /// The failure that caused this one.
    pub fn cause(&self) -> Option<FailureView<'a>> {
        self.failure.cause.as_deref().map(FailureView::new)
    }

    /// The raw Temporal failure.
    pub fn failure(&self) -> &'a Failure {
        self.failure
    }
}

/// Renders a failure chain as `outer: inner: innermost (type X)`.
pub(crate) fn describe_chain(failure: &Failure, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut first = true;
    for link in chain(failure) {
        if link.message.is_empty() {
            continue;
        }
        if !first {
            f.write_str(": ")?;
        }
        first = false;
        describe_link(link, f)?;
    }
    Ok(())
}

/// Renders the outermost failure of a chain, or with `{:#}` the whole chain: how the failure
/// types display, since their [`source`](std::error::Error::source) holds the causes.
pub(crate) fn describe(failure: &Failure, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if f.alternate() {
        describe_chain(failure, f)
    } else {
        describe_link(failure, f)
    }
}

/// Renders one failure of a chain as `message (type X)`.
pub(crate) fn describe_link(failure: &Failure, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&failure.message)?;
    if let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info
        && !info.r#type.is_empty()
    {
        write!(f, " (type {})", info.r#type)?;
    }
    Ok(())
}

/// A failure chain held by an error type, which exposes the chain's causes through
/// [`std::error::Error::source`]: each cause is a [`FailureCause`], built on first use.
///
/// It reads as the [`Failure`] it holds; changing that failure drops the causes built so far.
#[derive(Debug, Clone)]
pub(crate) struct FailureChain {
    failure: Box<Failure>,
    cause: CauseCell,
}

impl FailureChain {
    pub(crate) fn new(failure: Box<Failure>) -> Self {
        Self {
            failure,
            cause: CauseCell::default(),
        }
    }

    /// The cause of the outermost failure, as an error.
    pub(crate) fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.get(&self.failure)
    }

    pub(crate) fn into_failure(self) -> Box<Failure> {
        self.failure
    }
}

impl From<Box<Failure>> for FailureChain {
    fn from(failure: Box<Failure>) -> Self {
        Self::new(failure)
    }
}

impl From<Failure> for FailureChain {
    fn from(failure: Failure) -> Self {
        Self::new(Box::new(failure))
    }
}

impl std::ops::Deref for FailureChain {
    type Target = Failure;

    fn deref(&self) -> &Failure {
        &self.failure
    }
}

impl std::ops::DerefMut for FailureChain {
    fn deref_mut(&mut self) -> &mut Failure {
        self.cause = CauseCell::default();
        &mut self.failure
    }
}

/// The cause of a failure, built from its proto on first use (most errors are never asked
/// for their source).
#[derive(Debug, Clone, Default)]
struct CauseCell(OnceLock<Option<Box<FailureCause>>>);

impl CauseCell {
    fn get(&self, failure: &Failure) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .get_or_init(|| {
                failure.cause.as_ref().map(|cause| {
                    Box::new(FailureCause {
                        failure: cause.clone(),
                        cause: CauseCell::default(),
                    })
                })
            })
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

/// One cause in a failure chain, as an error: what [`std::error::Error::source`] returns for
/// [`ActivityFailed`](crate::ActivityFailed), [`WorkflowFailed`](crate::WorkflowFailed),
/// [`WorkflowError`](crate::WorkflowError) and the other failure types, link after link, so
/// `anyhow` and `eyre` reports list the causes raised in any language.
///
/// It displays as `message (type X)`; [`view`](Self::view) reads its type, details and the
/// rest of the chain.
///
/// ```
/// use std::error::Error;
/// use workflow_runtime::{FailureCause, WorkflowError};
/// let error = WorkflowError::application("Outer", "could not ship")
///     .with_cause(WorkflowError::application("Inner", "no stock"));
/// let cause = error.source().and_then(|c| c.downcast_ref::<FailureCause>()).expect("a cause");
/// assert_eq!(cause.to_string(), "no stock (type Inner)");
/// assert_eq!(cause.view().error_type(), Some("Inner"));
/// ```
#[derive(Debug, Clone)]
pub struct FailureCause {
    failure: Box<Failure>,
    cause: CauseCell,
}

impl FailureCause {
    pub(crate) fn new(failure: Failure) -> Self {
        Self {
            failure: Box::new(failure),
            cause: CauseCell::default(),
        }
    }

    pub(crate) fn into_failure(self) -> Box<Failure> {
        self.failure
    }

    /// This failure and the rest of its chain.
    pub fn view(&self) -> FailureView<'_> {
        FailureView::new(&self.failure)
    }
}

impl fmt::Display for FailureCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(&self.failure, f)
    }
}

impl std::error::Error for FailureCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.get(&self.failure)
    }
}

/// The failure type of an error converted with `?`: the type's name, qualified by its module
/// where the name alone says little (`io::Error` and `fmt::Error` rather than two `Error`s,
/// `serde_json::Error`), without its generic arguments.
pub(crate) fn failure_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    let mut segments = base.rsplit("::");
    let name = segments.next().unwrap_or(base);
    if name != "Error" {
        return name.to_owned();
    }
    // Crates keep `Error` in a private `error` module: `std::io::error::Error`.
    match segments.find(|segment| *segment != "error" && *segment != "errors") {
        Some(module) => format!("{module}::{name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/wire-contract.md` lists exactly the failure types this runtime writes.
    #[test]
    fn the_wire_contract_page_lists_every_failure_type() {
        let page = include_str!("../../../docs/wire-contract.md");
        let listed: Vec<&str> = page
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .collect();
        let mut listed = listed;
        listed.sort_unstable();
        let mut expected = failure_type::ALL.to_vec();
        expected.sort_unstable();
        assert_eq!(listed, expected, "the table in docs/wire-contract.md");
    }

    #[test]
    fn converted_errors_are_named_by_type_and_module_where_the_name_is_generic() {
        assert_eq!(failure_type_name::<std::io::Error>(), "io::Error");
        assert_eq!(failure_type_name::<std::fmt::Error>(), "fmt::Error");
        assert_eq!(
            failure_type_name::<serde_json::Error>(),
            "serde_json::Error"
        );
        assert_eq!(
            failure_type_name::<std::num::ParseIntError>(),
            "ParseIntError"
        );
        assert_eq!(failure_type_name::<Vec<std::io::Error>>(), "Vec");
    }
}
