//! Panics in user code, caught and reported once, in the runtime's words.
//!
//! A panic in workflow code (a bug, or a misuse such as a tokio call) fails the workflow task
//! with a message that says what happened and what to do. Rust's panic hook would print the raw
//! panic and a backtrace hint first, so the user would read two reports of one mistake, the
//! first without the advice. While workflow code runs under [`quietly`], the hook records where
//! the panic happened instead of printing, and the location goes into the runtime's message.
//!
//! A panic in an activity or a payload codec fails that attempt or message, and the server
//! retries it: the same panic comes back at every retry. Under [`reported_once`] the hook
//! reports a panic the first time it happens at a place in the code and records only its
//! location after that, so a retried panic neither floods the log nor captures a backtrace
//! (when `RUST_BACKTRACE` asks for one) per retry. Workflow panics print through the hook
//! only when `RUST_BACKTRACE` asks for backtraces, and then also once per place. The places
//! seen are kept for the process's life, up to [`MAX_PLACES`]; past that, panics at new places
//! are no longer printed, so memory stays bounded however many distinct panics there are.
//!
//! Other panics, on any thread, reach the hook that was installed before, every time.

use std::{
    any::Any,
    cell::{Cell, RefCell},
    collections::HashSet,
    fmt,
    future::Future,
    panic::{AssertUnwindSafe, PanicHookInfo},
    pin::Pin,
    sync::{Mutex, Once},
    task::{Context, Poll},
};

use crate::error::panic_message;

/// How many places in the code the hook remembers having reported a panic at.
pub(crate) const MAX_PLACES: usize = 4096;

/// What the hook does with a panic of the code running on this thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Not code of the user's that the runtime catches: the previous hook reports it.
    Outside,
    /// Workflow code: the runtime reports it; the previous hook only prints a backtrace the
    /// user asked for, once per place.
    Workflow,
    /// Activity or codec code: the previous hook reports it, once per place.
    Retried,
}

thread_local! {
    /// What the code running on this thread is.
    static SCOPE: Cell<Scope> = const { Cell::new(Scope::Outside) };
    /// Where the last quiet panic on this thread happened.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic of workflow code: its message and, when the hook saw it, where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CaughtPanic {
    message: String,
    location: Option<String>,
}

impl CaughtPanic {
    /// The panic whose payload `catch_unwind` returned on this thread.
    pub(crate) fn from_payload(payload: &(dyn Any + Send)) -> Self {
        Self {
            message: panic_message(payload),
            location: LOCATION.with(|location| location.borrow_mut().take()),
        }
    }

    /// The panic's own message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CaughtPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{} (at {location})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Runs workflow code, catching a panic without the panic hook's report.
pub(crate) fn quietly<R>(code: impl FnOnce() -> R) -> Result<R, CaughtPanic> {
    install_hook();
    let previous = SCOPE.replace(Scope::Workflow);
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(code));
    SCOPE.set(previous);
    outcome.map_err(|payload| CaughtPanic::from_payload(&*payload))
}

/// Runs an activity's or a codec's future, catching a panic, which the panic hook reports the
/// first time it happens at its place in the code.
pub(crate) fn reported_once<F: Future>(future: F) -> ReportedOnce<F> {
    install_hook();
    ReportedOnce(Box::pin(future))
}

/// See [`reported_once`].
pub(crate) struct ReportedOnce<F>(Pin<Box<F>>);

impl<F: Future> Future for ReportedOnce<F> {
    type Output = Result<F::Output, CaughtPanic>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.0.as_mut();
        let previous = SCOPE.replace(Scope::Retried);
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx)));
        SCOPE.set(previous);
        match polled {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            // Read on the thread that panicked, where the hook left the location.
            Err(payload) => Poll::Ready(Err(CaughtPanic::from_payload(&*payload))),
        }
    }
}

/// The places panics were reported at, up to [`MAX_PLACES`].
static REPORTED_PLACES: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Whether a panic at `place` is the first there (and there is room to remember it).
fn first_at(place: &str) -> bool {
    let mut places = REPORTED_PLACES.lock().unwrap_or_else(|e| e.into_inner());
    let places = places.get_or_insert_with(HashSet::new);
    if places.len() >= MAX_PLACES || places.contains(place) {
        return false;
    }
    places.insert(place.to_owned())
}

/// Wraps the hook in place once per process: caught panics leave their location, and reach
/// the previous hook only as the scope says.
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        let backtraces = std::env::var_os("RUST_BACKTRACE").is_some_and(|value| value != "0");
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            let scope = SCOPE.get();
            if scope != Scope::Outside {
                let location = info.location().map(ToString::to_string);
                // A place is remembered only where it decides whether to report.
                let reportable = scope == Scope::Retried || backtraces;
                let report = reportable && location.as_deref().is_some_and(first_at);
                LOCATION.with(|slot| *slot.borrow_mut() = location);
                if !report {
                    return;
                }
            }
            previous(info);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_panic_keeps_its_message_and_location() {
        let caught = quietly(|| -> () { panic!("the order has no lines") }).expect_err("panics");
        assert_eq!(caught.message(), "the order has no lines");
        let shown = caught.to_string();
        assert!(
            shown.starts_with("the order has no lines (at ") && shown.contains("caught_panic.rs"),
            "{shown}"
        );
        assert_eq!(quietly(|| 7), Ok(7));
    }

    #[test]
    fn a_retried_panic_keeps_its_location_each_time_and_the_place_is_reported_once() {
        let panic_at_one_place = || {
            futures::executor::block_on(reported_once(async {
                if std::hint::black_box(true) {
                    panic!("the card was declined");
                }
            }))
            .expect_err("panics")
        };
        let first = panic_at_one_place();
        let place = first.location.clone().expect("a location");
        assert_eq!(first.message(), "the card was declined");
        for _ in 0..3 {
            assert_eq!(panic_at_one_place(), first, "the same report each retry");
        }
        assert!(!first_at(&place), "the place is remembered");
        assert_eq!(
            futures::executor::block_on(reported_once(async { 7 })),
            Ok(7)
        );
    }

    #[test]
    fn the_places_remembered_are_bounded() {
        for n in 0..MAX_PLACES + 10 {
            first_at(&format!("bounded.rs:{n}:1"));
        }
        let places = REPORTED_PLACES.lock().expect("places");
        assert_eq!(places.as_ref().map(HashSet::len), Some(MAX_PLACES));
    }

    #[test]
    fn nested_quiet_code_stays_quiet_after_the_inner_call_returns() {
        let caught = quietly(|| {
            assert_eq!(quietly(|| 1), Ok(1));
            panic!("after the inner call")
        })
        .expect_err("panics");
        assert!(caught.to_string().contains("caught_panic.rs"), "{caught}");
    }
}
