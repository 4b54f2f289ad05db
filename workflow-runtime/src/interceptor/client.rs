//! The chain a client call that reaches a workflow goes through.

use std::{any::Any, future::Future, sync::Arc};

use futures::{FutureExt, future::BoxFuture};
use tracing::Instrument;

use crate::{
    client::error::ClientError,
    interceptor::{Interceptor, Interceptors, headers::Headers},
};

/// What a client call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCallKind {
    /// Starts a workflow; [`ClientCall::name`] is its type.
    StartWorkflow,
    /// Signals a workflow, starting it first if it is not running; the name is the workflow
    /// type.
    SignalWithStartWorkflow,
    /// Starts a workflow with an update; the name is the workflow type, and the headers go
    /// with both the start and the update.
    UpdateWithStartWorkflow,
    /// Signals a workflow; the name is the signal's.
    SignalWorkflow,
    /// Queries a workflow; the name is the query's.
    QueryWorkflow,
    /// Sends an update; the name is the update's.
    StartWorkflowUpdate,
}

impl ClientCallKind {
    /// The kind as a word, as the official SDKs name it in their traces (`StartWorkflow`,
    /// `SignalWorkflow`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartWorkflow => "StartWorkflow",
            Self::SignalWithStartWorkflow => "SignalWithStartWorkflow",
            Self::UpdateWithStartWorkflow => "StartUpdateWithStartWorkflow",
            Self::SignalWorkflow => "SignalWorkflow",
            Self::QueryWorkflow => "QueryWorkflow",
            Self::StartWorkflowUpdate => "StartWorkflowUpdate",
        }
    }
}

/// One client call, as interceptors see it: what it does, to which workflow, and the headers
/// it sends.
#[derive(Debug, Clone)]
pub struct ClientCall {
    kind: ClientCallKind,
    workflow_id: String,
    name: String,
    headers: Headers,
}

impl ClientCall {
    pub(crate) fn new(kind: ClientCallKind, workflow_id: &str, name: &str) -> Self {
        Self {
            kind,
            workflow_id: workflow_id.to_owned(),
            name: name.to_owned(),
            headers: Headers::new(),
        }
    }

    /// What the call does.
    pub fn kind(&self) -> ClientCallKind {
        self.kind
    }

    /// The workflow it reaches.
    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }

    /// The workflow type for a start, the signal's, query's or update's name otherwise.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The headers the call sends.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers the call sends, to add to.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The error an interceptor returns to refuse this call, for `reason`:
    /// [`ClientError::Refused`], with the reason as its source.
    ///
    /// ```
    /// use workflow_runtime::{ClientCall, ClientError};
    /// fn refuse(call: &ClientCall) -> ClientError {
    ///     call.refuse("no tenant header")
    /// }
    /// ```
    pub fn refuse(
        &self,
        reason: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> ClientError {
        ClientError::Refused {
            call: self.kind.as_str(),
            reason: reason.into(),
        }
    }

    pub(crate) fn into_headers(self) -> Headers {
        self.headers
    }
}

/// The server's answer to a call, which only the call itself makes: an interceptor passes it
/// on or replaces it with an error.
pub struct ClientReply(Box<dyn Any + Send>);

impl std::fmt::Debug for ClientReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientReply")
    }
}

type SendCall<'a> =
    Box<dyn FnOnce(ClientCall) -> BoxFuture<'a, Result<ClientReply, ClientError>> + Send + 'a>;

/// The rest of the chain: the interceptors after this one, then the call itself.
pub struct ClientNext<'a> {
    rest: &'a [Arc<dyn Interceptor>],
    send: SendCall<'a>,
}

impl<'a> ClientNext<'a> {
    /// Passes `call` on, and returns what the rest of the chain answers.
    pub fn run(self, call: ClientCall) -> BoxFuture<'a, Result<ClientReply, ClientError>> {
        match self.rest.split_first() {
            Some((first, rest)) => first.client_call(
                call,
                ClientNext {
                    rest,
                    send: self.send,
                },
            ),
            None => (self.send)(call),
        }
    }
}

impl std::fmt::Debug for ClientNext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientNext({} interceptor(s) to go)", self.rest.len())
    }
}

/// Runs `call` through the interceptors, then `send`, which builds the request from the call's
/// final headers and sends it; inside a `temporal client call` span.
pub(crate) async fn intercept_client_call<R, F, Fut>(
    interceptors: &Interceptors,
    call: ClientCall,
    send: F,
) -> Result<R, ClientError>
where
    R: Send + 'static,
    F: FnOnce(ClientCall) -> Fut + Send,
    Fut: Future<Output = Result<R, ClientError>> + Send,
{
    let span = tracing::info_span!(
        "temporal client call",
        call = call.kind.as_str(),
        workflow_id = %call.workflow_id,
        name = %call.name,
    );
    if interceptors.is_empty() {
        return send(call).instrument(span).await;
    }
    let next = ClientNext {
        rest: interceptors.as_slice(),
        send: Box::new(move |call| {
            send(call)
                .map(|answer| answer.map(|reply| ClientReply(Box::new(reply))))
                .boxed()
        }),
    };
    let reply = next.run(call).instrument(span).await?;
    // Only `send` above makes a reply, of type `R`.
    Ok(*reply
        .0
        .downcast::<R>()
        .unwrap_or_else(|_| unreachable!("a client reply is made by its own call only")))
}
