//! Cancellation scopes: groups of operations that are cancelled together. A run starts in its
//! root scope, which the workflow's cancellation cancels. Code polled inside
//! [`CancellationScope::run`] belongs to that scope: the timers, activities and child workflows
//! it starts are cancelled when the scope or any enclosing one is, unless a shielded scope
//! (`non_cancellable`) lies in between. A shield is a scope too, and its own `cancel` reaches
//! it. The scopes form a tree of `Rc`s: each operation keeps its scope, each scope its parent.

use std::{
    cell::RefCell,
    fmt,
    future::{Future, IntoFuture},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use crate::workflow::shared::RunShared;

/// One scope of the tree.
pub(crate) struct ScopeNode {
    parent: Option<ScopeRef>,
    /// Whether its enclosing scopes' cancellations stop here.
    shielded: bool,
    /// The reason it was cancelled, once it was.
    cancelled: RefCell<Option<String>>,
}

pub(crate) type ScopeRef = Rc<ScopeNode>;

impl ScopeNode {
    /// A run's root scope.
    pub(crate) fn root() -> ScopeRef {
        Rc::new(Self {
            parent: None,
            shielded: false,
            cancelled: RefCell::new(None),
        })
    }

    /// A scope inside `parent`.
    pub(crate) fn child(parent: &ScopeRef, shielded: bool) -> ScopeRef {
        Rc::new(Self {
            parent: Some(Rc::clone(parent)),
            shielded,
            cancelled: RefCell::new(None),
        })
    }

    /// Marks the scope cancelled with `reason`; false if it was already.
    pub(crate) fn mark_cancelled(&self, reason: &str) -> bool {
        let mut cancelled = self.cancelled.borrow_mut();
        if cancelled.is_some() {
            return false;
        }
        *cancelled = Some(reason.to_owned());
        true
    }

    /// The cancellation that reaches code in this scope: its own, or that of an enclosing
    /// scope with no shield in between.
    pub(crate) fn cancellation(&self) -> Option<String> {
        let mut node = self;
        loop {
            if let Some(reason) = node.cancelled.borrow().as_ref() {
                return Some(reason.clone());
            }
            match &node.parent {
                Some(parent) if !node.shielded => node = parent,
                _ => return None,
            }
        }
    }

    /// Whether cancelling `scope` reaches code in this scope: `scope` is this one or encloses
    /// it with no shield in between (a shield's own cancellation reaches it).
    pub(crate) fn reached_by(&self, scope: &ScopeRef) -> bool {
        let mut node = self;
        loop {
            if std::ptr::eq(node, Rc::as_ptr(scope)) {
                return true;
            }
            match &node.parent {
                Some(parent) if !node.shielded => node = parent,
                _ => return false,
            }
        }
    }
}

/// A group of operations cancelled together, made by
/// [`WorkflowContext::cancellation_scope`](crate::WorkflowContext::cancellation_scope) or
/// [`non_cancellable_scope`](crate::WorkflowContext::non_cancellable_scope). A scope is made
/// inside the scope of the code that makes it, and inherits its cancellation (a
/// non-cancellable one does not). Clones name the same scope, so one task can cancel what
/// another runs.
///
/// ```
/// # use std::time::Duration;
/// # use workflow_runtime::prelude::*;
/// #[activity]
/// async fn slow_quote(_ctx: ActivityContext, supplier: String) -> Result<u64, ActivityError> {
///     Ok(100)
/// }
///
/// #[derive(Default)]
/// pub struct Quotes;
///
/// #[workflow]
/// impl Quotes {
///     #[run]
///     async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<Option<u64>> {
///         let quotes = ctx.cancellation_scope();
///         let options = ActivityOptions::start_to_close(Duration::from_secs(60));
///         let ask = quotes.run(ctx.join(
///             ctx.activity(slow_quote, "north".to_owned()).options(options.clone()),
///             ctx.activity(slow_quote, "south".to_owned()).options(options),
///         ));
///         // Give up on both after a minute; the workflow itself goes on.
///         match ctx.select(ask, ctx.sleep(Duration::from_secs(60))).await {
///             Either::Left((north, south)) => Ok(Some(north?.min(south?))),
///             Either::Right(_) => {
///                 quotes.cancel();
///                 Ok(None)
///             }
///         }
///     }
/// }
/// ```
#[derive(Clone)]
pub struct CancellationScope {
    shared: Rc<RefCell<RunShared>>,
    node: ScopeRef,
}

impl fmt::Debug for CancellationScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationScope")
            .field("shielded", &self.node.shielded)
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancellationScope {
    /// A scope inside the scope of the code running now.
    pub(crate) fn new(shared: Rc<RefCell<RunShared>>, shielded: bool) -> Self {
        let node = ScopeNode::child(shared.borrow().current_scope(), shielded);
        Self { shared, node }
    }

    /// Runs `future` inside this scope: what it starts and waits on while it is polled
    /// belongs to the scope, also operations made outside and first awaited inside.
    pub fn run<F: IntoFuture>(&self, future: F) -> InScope<F::IntoFuture> {
        InScope {
            shared: Rc::clone(&self.shared),
            scope: Rc::clone(&self.node),
            inner: Box::pin(future.into_future()),
        }
    }

    /// Cancels the scope: its pending timers end at once with [`Cancelled`](crate::Cancelled),
    /// its activities and child workflows are asked to cancel (their awaits return as their
    /// cancellation types say), its waits end, and whatever it starts later fails at once.
    /// Scopes inside it are cancelled too, except non-cancellable ones. A second call changes
    /// nothing. The workflow goes on: only a run that returns the cancellation ends as
    /// cancelled, and only after the workflow's own cancellation.
    pub fn cancel(&self) {
        RunShared::cancel_scope(
            &self.shared,
            &self.node,
            "the cancellation scope was cancelled",
        );
    }

    /// Whether the scope was cancelled, itself or through an enclosing scope.
    pub fn is_cancelled(&self) -> bool {
        self.node.cancellation().is_some()
    }
}

/// A future polled inside a [`CancellationScope`]; made by [`CancellationScope::run`] and
/// [`WorkflowContext::non_cancellable`](crate::WorkflowContext::non_cancellable).
#[must_use = "a scope's future does nothing unless awaited"]
pub struct InScope<F> {
    shared: Rc<RefCell<RunShared>>,
    scope: ScopeRef,
    inner: Pin<Box<F>>,
}

impl<F> fmt::Debug for InScope<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InScope").finish_non_exhaustive()
    }
}

/// Puts the enclosing scope back when the inner poll returns or unwinds.
struct ScopeGuard<'a> {
    shared: &'a RefCell<RunShared>,
    enclosing: Option<ScopeRef>,
}

impl Drop for ScopeGuard<'_> {
    fn drop(&mut self) {
        if let (Ok(mut shared), Some(enclosing)) =
            (self.shared.try_borrow_mut(), self.enclosing.take())
        {
            shared.enter_scope(enclosing);
        }
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let shared = Rc::clone(&self.shared);
        let enclosing = shared.borrow_mut().enter_scope(Rc::clone(&self.scope));
        let _guard = ScopeGuard {
            shared: &shared,
            enclosing: Some(enclosing),
        };
        self.inner.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancellation_reaches_inner_scopes_but_stops_at_a_shield_which_its_own_reaches() {
        let root = ScopeNode::root();
        let inner = ScopeNode::child(&root, false);
        let shield = ScopeNode::child(&inner, true);
        let under_shield = ScopeNode::child(&shield, false);
        assert!(under_shield.reached_by(&shield) && under_shield.reached_by(&under_shield));
        assert!(!under_shield.reached_by(&inner) && !under_shield.reached_by(&root));
        assert!(inner.reached_by(&root) && !root.reached_by(&inner));

        assert!(inner.mark_cancelled("stop"));
        assert!(!inner.mark_cancelled("again"), "once");
        assert_eq!(inner.cancellation().as_deref(), Some("stop"));
        assert_eq!(shield.cancellation(), None);
        assert_eq!(root.cancellation(), None);
        shield.mark_cancelled("shield");
        assert_eq!(under_shield.cancellation().as_deref(), Some("shield"));
    }
}
