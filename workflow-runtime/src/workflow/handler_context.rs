//! What a sync handler can read of its run: workflow time, the run's facts and deterministic
//! random values, through an optional `ctx: &HandlerContext` parameter after `self`.

use std::{cell::RefCell, fmt, rc::Rc, time::SystemTime};

use crate::workflow::{
    info::WorkflowInfo,
    shared::{RunShared, WorkflowRng, unit_f64, uuid4_from},
};

/// The read-only context of a sync signal, query or update handler or a validator: a
/// parameter `ctx: &HandlerContext` right after `self`, which the handler may leave out.
///
/// Signals and updates draw their random values from the run's generator, as the run does,
/// so a replay draws the same ones. Queries and validators never run again on replay, so
/// they draw from a copy of the generator taken when they start, which leaves the run's
/// values as they were: the same state gives the same values, and the run's next draws do not
/// depend on whether a query came.
///
/// ```
/// use std::time::SystemTime;
/// use workflow_runtime::{prelude::*, HandlerContext};
///
/// #[derive(Default)]
/// pub struct Tickets { opened: Vec<(String, SystemTime)> }
///
/// #[workflow]
/// impl Tickets {
///     #[run]
///     async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<usize> {
///         ctx.wait_condition(|s| s.opened.len() >= 3).await?;
///         Ok(ctx.state(|s| s.opened.len()))
///     }
///
///     #[signal]
///     fn open(&mut self, ctx: &HandlerContext, title: String) {
///         let id = format!("{title}-{}", ctx.uuid4());
///         self.opened.push((id, ctx.now()));
///     }
///
///     #[query]
///     fn age_of_last(&self, ctx: &HandlerContext) -> Option<u64> {
///         let (_, opened) = self.opened.last()?;
///         ctx.now().duration_since(*opened).ok().map(|age| age.as_secs())
///     }
/// }
/// ```
pub struct HandlerContext {
    source: Source,
}

enum Source {
    Run {
        shared: Rc<RefCell<RunShared>>,
        /// A query's or validator's own copy of the run's generator; `None` draws from the
        /// run's.
        copy: Option<RefCell<WorkflowRng>>,
    },
    Detached {
        info: Box<WorkflowInfo>,
        now: SystemTime,
        rng: RefCell<WorkflowRng>,
    },
}

impl fmt::Debug for HandlerContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerContext")
            .field("now", &self.now())
            .finish_non_exhaustive()
    }
}

impl HandlerContext {
    /// The context of a signal or update handler, which draws from the run's generator.
    pub(crate) fn drawing_from_run(shared: &Rc<RefCell<RunShared>>) -> Self {
        Self {
            source: Source::Run {
                shared: Rc::clone(shared),
                copy: None,
            },
        }
    }

    /// The context of a query or validator, which draws from a copy of the run's generator.
    pub(crate) fn read_only(shared: &Rc<RefCell<RunShared>>) -> Self {
        let copy = RefCell::new(shared.borrow().rng.clone());
        Self {
            source: Source::Run {
                shared: Rc::clone(shared),
                copy: Some(copy),
            },
        }
    }

    /// A context outside any run, for calling a handler directly in a unit test: a run of
    /// `workflow_type` (workflow id `test-workflow`, run id `test-run`, namespace `default`,
    /// task queue `test`) at time `now`, drawing random values from `seed`.
    pub fn detached(workflow_type: &str, now: SystemTime, seed: u64) -> Self {
        let info = WorkflowInfo {
            workflow_type: workflow_type.to_owned(),
            workflow_id: "test-workflow".to_owned(),
            run_id: "test-run".to_owned(),
            first_execution_run_id: "test-run".to_owned(),
            continued_from_run_id: None,
            parent: None,
            namespace: "default".to_owned(),
            task_queue: "test".to_owned(),
            attempt: 1,
            start_time: Some(now),
            history_length: 0,
            history_size_bytes: 0,
            continue_as_new_suggested: false,
            search_attributes: Default::default(),
            memo: Default::default(),
        };
        Self {
            source: Source::Detached {
                info: Box::new(info),
                now,
                rng: RefCell::new(WorkflowRng::new(seed)),
            },
        }
    }

    /// Workflow time: the time of the current workflow task, the same on every replay.
    pub fn now(&self) -> SystemTime {
        match &self.source {
            Source::Run { shared, .. } => shared.borrow().now,
            Source::Detached { now, .. } => *now,
        }
    }

    /// Facts about the run: ids, type, task queue, attempt, its parent, history length.
    pub fn info(&self) -> WorkflowInfo {
        match &self.source {
            Source::Run { shared, .. } => shared.borrow().info.clone(),
            Source::Detached { info, .. } => (**info).clone(),
        }
    }

    /// A deterministic random `u64`.
    pub fn random(&self) -> u64 {
        match &self.source {
            Source::Run {
                copy: Some(rng), ..
            }
            | Source::Detached { rng, .. } => rng.borrow_mut().next_u64(),
            Source::Run { shared, copy: None } => shared.borrow_mut().rng.next_u64(),
        }
    }

    /// A deterministic random `f64` in `[0, 1)`.
    pub fn random_f64(&self) -> f64 {
        unit_f64(self.random())
    }

    /// A deterministic version-4 UUID.
    pub fn uuid4(&self) -> uuid::Uuid {
        uuid4_from(self.random(), self.random())
    }
}
