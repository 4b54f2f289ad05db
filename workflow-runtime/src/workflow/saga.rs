//! Sagas: a compensation after each step; on failure (or cancellation) the compensations run
//! in reverse order, shielded from the workflow's cancellation.

use std::{
    cell::RefCell,
    fmt,
    future::{Future, IntoFuture},
    rc::Rc,
};

use futures::future::LocalBoxFuture;

use crate::{
    error::{SagaFailed, WorkflowError},
    workflow::{cancellation::CancellationScope, shared::RunShared},
};

/// A named compensation, not yet run.
type Compensation = (String, LocalBoxFuture<'static, Result<(), WorkflowError>>);

/// Records a compensation after each step of a workflow and, when a later step fails, runs
/// them: in reverse order by default, or all at once with [`parallel`](Self::parallel). A
/// compensation that fails does not stop the others; the original error comes back with the
/// compensation failures attached ([`SagaFailed`]). Compensations run shielded from the
/// workflow's cancellation, so a cancelled saga is undone too.
///
/// Clones share the same list, so steps inside [`run`](Self::run) can add compensations.
///
/// ```
/// # use std::time::Duration;
/// # use workflow_runtime::prelude::*;
/// #[activity]
/// async fn reserve(_ctx: ActivityContext, sku: String) -> Result<String, ActivityError> {
///     Ok(format!("rsv-{sku}"))
/// }
/// #[activity]
/// async fn release(_ctx: ActivityContext, reservation: String) -> Result<(), ActivityError> {
///     Ok(())
/// }
/// #[activity]
/// async fn ship(_ctx: ActivityContext, reservation: String) -> Result<String, ActivityError> {
///     Ok("trk-1".to_owned())
/// }
///
/// #[derive(Default)]
/// pub struct Shipment;
///
/// #[workflow]
/// impl Shipment {
///     #[run]
///     async fn run(ctx: WorkflowContext<Self>, sku: String) -> WorkflowResult<String> {
///         let options = ActivityOptions::start_to_close(Duration::from_secs(10));
///         let saga = Saga::new(&ctx);
///         let tracking = saga
///             .run(async {
///                 let reservation =
///                     ctx.activity(reserve, sku).options(options.clone()).await?;
///                 saga.add_compensation(
///                     "release the reservation",
///                     ctx.activity(release, reservation.clone()).options(options.clone()),
///                 );
///                 Ok(ctx.activity(ship, reservation).options(options.clone()).await?)
///             })
///             .await?;
///         Ok(tracking)
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Saga {
    shared: Rc<RefCell<RunShared>>,
    compensations: Rc<RefCell<Vec<Compensation>>>,
    parallel: bool,
}

impl fmt::Debug for Saga {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .compensations
            .borrow()
            .iter()
            .map(|(name, _)| name.clone())
            .collect();
        f.debug_struct("Saga")
            .field("compensations", &names)
            .field("parallel", &self.parallel)
            .finish()
    }
}

impl Saga {
    /// An empty saga for the run of `ctx`.
    pub fn new<W>(ctx: &crate::WorkflowContext<W>) -> Self {
        Self {
            shared: Rc::clone(ctx.shared()),
            compensations: Rc::default(),
            parallel: false,
        }
    }

    /// Runs the compensations all at once instead of in reverse order.
    pub fn parallel(mut self) -> Self {
        self.parallel = true;
        self
    }

    /// Records the compensation of the step that just succeeded: any future (an activity
    /// call, a child workflow, an `async` block). It does not run unless the saga
    /// compensates.
    pub fn add_compensation<F, T, E>(&self, name: impl Into<String>, compensation: F)
    where
        F: IntoFuture<Output = Result<T, E>> + 'static,
        E: Into<WorkflowError>,
    {
        let future = compensation.into_future();
        self.compensations.borrow_mut().push((
            name.into(),
            Box::pin(async move { future.await.map(|_| ()).map_err(Into::into) }),
        ));
    }

    /// Runs `steps`; if they fail, runs the compensations and returns the error with the
    /// compensation failures attached.
    pub async fn run<T>(
        &self,
        steps: impl Future<Output = Result<T, WorkflowError>>,
    ) -> Result<T, SagaFailed> {
        match steps.await {
            Ok(value) => Ok(value),
            Err(error) => Err(self.compensate(error).await),
        }
    }

    /// Runs the compensations recorded so far (each once; later calls run only those added
    /// since) and returns `error` with the compensation failures attached.
    pub async fn compensate(&self, error: impl Into<WorkflowError>) -> SagaFailed {
        let mut pending = std::mem::take(&mut *self.compensations.borrow_mut());
        if !self.parallel {
            pending.reverse();
        }
        let shared = Rc::clone(&self.shared);
        let run_all = async move {
            let mut failures = Vec::new();
            if self.parallel {
                let (names, futures): (Vec<_>, Vec<_>) = pending.into_iter().unzip();
                let outcomes = futures::future::join_all(futures).await;
                for (name, outcome) in names.into_iter().zip(outcomes) {
                    if let Err(error) = outcome {
                        failures.push((name, error));
                    }
                }
            } else {
                for (name, compensation) in pending {
                    if let Err(error) = compensation.await {
                        failures.push((name, error));
                    }
                }
            }
            failures
        };
        let failures = CancellationScope::new(shared, true).run(run_all).await;
        for (name, failure) in &failures {
            tracing::warn!(compensation = %name, "compensation failed: {failure:#}");
        }
        SagaFailed::new(error.into(), failures)
    }
}
