//! Keeps two of core's warnings out of the user's logs, where they say nothing the user can
//! act on:
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
//! While such a future runs, its events go through [`WithoutWarning`], which hands every event
//! to the subscriber in place except the one warning.

use std::future::Future;

use tracing::{
    Dispatch, Event, Metadata, Subscriber,
    field::{Field, Visit},
    instrument::WithSubscriber,
    span,
    subscriber::Interest,
};

/// Runs `future` with core's warnings whose message `dropped` picks filtered out.
pub(crate) async fn without_core_warning<F: Future>(
    dropped: fn(&str) -> bool,
    future: F,
) -> F::Output {
    let inner = tracing::dispatcher::get_default(Dispatch::clone);
    future
        .with_subscriber(Dispatch::new(WithoutWarning { inner, dropped }))
        .await
}

/// The subscriber in place, minus core's warnings that `dropped` picks.
struct WithoutWarning {
    inner: Dispatch,
    dropped: fn(&str) -> bool,
}

impl Subscriber for WithoutWarning {
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
        if *event.metadata().level() == tracing::Level::WARN
            && event.metadata().target().starts_with("temporalio_sdk_core")
        {
            let mut message = Message::default();
            event.record(&mut message);
            if (self.dropped)(&message.0) {
                return;
            }
        }
        self.inner.event(event);
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

/// An event's `message` field.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
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
            let mut message = Message::default();
            event.record(&mut message);
            self.0.lock().expect("seen").push(message.0);
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
