//! Panics in workflow code, caught and reported once, in the runtime's words.
//!
//! A panic in workflow code (a bug, or a misuse such as a tokio call) fails the workflow task
//! with a message that says what happened and what to do. Rust's panic hook would print the raw
//! panic and a backtrace hint first, so the user would read two reports of one mistake, the
//! first without the advice. While workflow code runs under [`quietly`], the hook records where
//! the panic happened instead of printing, and the location goes into the runtime's message.
//! Other panics, on any thread, still reach the hook that was installed before; so do workflow
//! panics when `RUST_BACKTRACE` asks for backtraces.

use std::{
    any::Any,
    cell::{Cell, RefCell},
    fmt,
    panic::{AssertUnwindSafe, PanicHookInfo},
    sync::Once,
};

use crate::error::panic_message;

thread_local! {
    /// How many [`quietly`] calls are running on this thread.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
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
    DEPTH.with(|depth| depth.set(depth.get() + 1));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(code));
    DEPTH.with(|depth| depth.set(depth.get() - 1));
    outcome.map_err(|payload| CaughtPanic::from_payload(&*payload))
}

/// Wraps the hook in place once per process: quiet panics only leave their location.
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        let backtraces = std::env::var_os("RUST_BACKTRACE").is_some_and(|value| value != "0");
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if DEPTH.with(Cell::get) > 0 {
                let location = info.location().map(ToString::to_string);
                LOCATION.with(|slot| *slot.borrow_mut() = location);
                if !backtraces {
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
    fn nested_quiet_code_stays_quiet_after_the_inner_call_returns() {
        let caught = quietly(|| {
            assert_eq!(quietly(|| 1), Ok(1));
            panic!("after the inner call")
        })
        .expect_err("panics");
        assert!(caught.to_string().contains("caught_panic.rs"), "{caught}");
    }
}
