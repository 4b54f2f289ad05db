//! Cancellation scopes: the future that shields cleanup code from the workflow's
//! cancellation.

use std::{
    cell::RefCell,
    fmt,
    future::Future,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use crate::workflow::shared::RunShared;

/// A future whose timers, activities, child workflows and wait conditions ignore the
/// workflow's cancellation; made by
/// [`WorkflowContext::non_cancellable`](crate::WorkflowContext::non_cancellable).
///
/// The shield covers what the inner future starts or waits on while it is polled, so
/// operations created outside and first awaited inside are shielded too.
#[must_use = "a non-cancellable scope does nothing unless awaited"]
pub struct NonCancellable<F> {
    shared: Rc<RefCell<RunShared>>,
    inner: Pin<Box<F>>,
}

impl<F> NonCancellable<F> {
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, inner: F) -> Self {
        Self {
            shared,
            inner: Box::pin(inner),
        }
    }
}

impl<F> fmt::Debug for NonCancellable<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonCancellable").finish_non_exhaustive()
    }
}

/// Lowers the shield depth again when the inner poll returns or unwinds.
struct ShieldGuard<'a>(&'a RefCell<RunShared>);

impl Drop for ShieldGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut shared) = self.0.try_borrow_mut() {
            shared.shield_depth -= 1;
        }
    }
}

impl<F: Future> Future for NonCancellable<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let shared = Rc::clone(&self.shared);
        shared.borrow_mut().shield_depth += 1;
        let _guard = ShieldGuard(&shared);
        self.inner.as_mut().poll(cx)
    }
}
