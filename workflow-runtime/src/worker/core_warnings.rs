//! Sieves the log events of core and of the client library before the subscriber in place
//! sees them. Two of core's warnings say nothing the user can act on and are dropped where
//! they would mislead:
//!
//! - When a worker with activities starts, core warns that the server did not advertise the
//!   `activity_failure_include_heartbeat` capability, so heartbeat details may be lost when an
//!   activity fails. Every real server since 1.16 advertises it; Temporal's time-skipping test
//!   server does not, and a test author can do nothing about it. Against any other server the
//!   warning is left alone: there it means something.
//! - When a replay diverges, core warns that it is failing the workflow task. The replay
//!   reports the divergence as its result, in words; the warning would repeat it as a struct
//!   dump. On a worker the warning is left alone.
//!
//! The client library's warnings about retried calls are folded into one line per outage
//! (see [`super::outage`]).
//!
//! While such a future runs, its events go through [`Sieved`], which hands every event to the
//! subscriber in place unless its [`Sieve`] keeps it back.

use std::future::Future;

use tracing::{
    Dispatch, Event, Metadata, Subscriber,
    field::{Field, Visit},
    instrument::WithSubscriber,
    span,
    subscriber::Interest,
};

/// What a [`Sieved`] subscriber does with an event before the subscriber in place sees it.
pub(crate) trait Sieve: Send + Sync + 'static {
    /// Whether `event` goes on to the subscriber in place. (A sieve cannot log in its place:
    /// tracing's dispatch is not reentrant.)
    fn passes(&self, event: &Event<'_>) -> bool;
}

/// Runs `future` with core's warnings whose message `dropped` picks filtered out.
pub(crate) async fn without_core_warning<F: Future>(
    dropped: fn(&str) -> bool,
    future: F,
) -> F::Output {
    future
        .with_subscriber(Sieved::over_current(WithoutWarning(dropped)))
        .await
}

/// Drops core's warnings whose message the function picks.
struct WithoutWarning(fn(&str) -> bool);

impl Sieve for WithoutWarning {
    fn passes(&self, event: &Event<'_>) -> bool {
        let metadata = event.metadata();
        !(*metadata.level() == tracing::Level::WARN
            && metadata.target().starts_with("temporalio_sdk_core")
            && (self.0)(&Message::of(event).text))
    }
}

/// The subscriber in place, `inner`, seeing only the events `sieve` lets through.
pub(crate) struct Sieved<S> {
    inner: Dispatch,
    sieve: S,
}

impl<S: Sieve> Sieved<S> {
    /// `sieve` over the subscriber in place where this is called, as a dispatcher.
    pub(crate) fn over_current(sieve: S) -> Dispatch {
        let inner = tracing::dispatcher::get_default(Dispatch::clone);
        Self::over(inner, sieve)
    }

    /// `sieve` over `inner`, as a dispatcher.
    pub(crate) fn over(inner: Dispatch, sieve: S) -> Dispatch {
        Dispatch::new(Self { inner, sieve })
    }
}

impl<S: Sieve> Subscriber for Sieved<S> {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.inner.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn new_span(&self, span: &span::Attributes<'_>) -> span::Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &span::Id, values: &span::Record<'_>) {
        self.inner.record(span, values);
    }

    fn record_follows_from(&self, span: &span::Id, follows: &span::Id) {
        self.inner.record_follows_from(span, follows);
    }

    fn event(&self, event: &Event<'_>) {
        if self.sieve.passes(event) {
            self.inner.event(event);
        }
    }

    fn enter(&self, span: &span::Id) {
        self.inner.enter(span);
    }

    fn exit(&self, span: &span::Id) {
        self.inner.exit(span);
    }

    fn clone_span(&self, id: &span::Id) -> span::Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: span::Id) -> bool {
        self.inner.try_close(id)
    }
}

/// An event's `message` field and, when it has one, its `error` field.
#[derive(Default)]
pub(crate) struct Message {
    pub(crate) text: String,
    pub(crate) error: Option<String>,
}

impl Message {
    pub(crate) fn of(event: &Event<'_>) -> Self {
        let mut message = Self::default();
        event.record(&mut message);
        message
    }
}

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.text = format!("{value:?}"),
            "error" => self.error = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::foreign_text::is_heartbeat_capability_warning;

    /// Collects the messages of the events it sees.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<String>>>);

    impl Subscriber for Seen {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
            span::Id::from_u64(1)
        }
        fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
        fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
        fn event(&self, event: &Event<'_>) {
            self.0.lock().expect("seen").push(Message::of(event).text);
        }
        fn enter(&self, _: &span::Id) {}
        fn exit(&self, _: &span::Id) {}
    }

    #[test]
    fn only_the_picked_warning_of_core_is_dropped_and_only_where_asked() {
        let seen = Seen::default();
        let warn_twice = || async {
            tracing::warn!(target: "temporalio_sdk_core::worker", "Temporal Server 1.16.0 or newer is required to guarantee that the latest heartbeat details are preserved when an activity fails; the server did not advertise the activity_failure_include_heartbeat capability, so heartbeat details may be lost on failure");
            tracing::warn!(target: "temporalio_sdk_core::worker", "something else");
        };
        tracing::subscriber::with_default(seen.clone(), || {
            futures::executor::block_on(async {
                without_core_warning(is_heartbeat_capability_warning, warn_twice()).await;
                warn_twice().await;
            });
        });
        let seen = seen.0.lock().expect("seen").clone();
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!(seen[0], "something else");
        assert!(seen[1].contains("activity_failure_include_heartbeat"));
    }
}
