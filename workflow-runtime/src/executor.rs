//! The deterministic single-threaded executor that runs one workflow run's futures.
//!
//! Tasks get increasing ids and are polled from a FIFO ready queue, so the order of polls is a
//! pure function of the order of wakes, which the activation jobs determine. There is no tokio
//! and no clock in here: workflow code that reaches for either fails loudly instead of silently
//! working differently on replay.

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker},
    thread::{self, ThreadId},
};

use crate::{
    caught_panic::{CaughtPanic, quietly},
    foreign_text::is_tokio_context_panic,
    now_running,
};

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// Why a workflow task could not make progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExecutorFault {
    /// Workflow code panicked; the message says where and why.
    Panic(CaughtPanic),
    /// A future was woken from another thread: something outside the executor (a thread, a
    /// foreign runtime's timer or channel) drives workflow code, which breaks replay.
    ForeignWake,
}

impl ExecutorFault {
    /// A message for the workflow task failure that names the deterministic replacement.
    pub(crate) fn describe(&self) -> String {
        match self {
            ExecutorFault::Panic(panic) if is_tokio_context_panic(panic.message()) => format!(
                "workflow code used a tokio API (tokio::spawn, tokio::time::sleep, tokio::time::timeout, \
                 tokio I/O...), which cannot run on the deterministic workflow executor: \
                 use ctx.sleep() for timers, ctx.join()/ctx.select() for concurrency and an \
                 activity for I/O (panic: {panic})"
            ),
            ExecutorFault::Panic(panic) => format!("workflow code panicked: {panic}"),
            ExecutorFault::ForeignWake => "a workflow future was woken from outside the workflow \
                 executor (another thread, a tokio timer or channel): workflow code must wait only \
                 on the workflow context (ctx.sleep(), ctx.activity(), ctx.join()...); move other \
                 work into an activity"
                .to_owned(),
        }
    }
}

#[derive(Debug)]
struct ReadyQueue {
    owner: ThreadId,
    ready: Mutex<(VecDeque<u64>, BTreeSet<u64>)>,
    foreign_wake: AtomicBool,
}

impl ReadyQueue {
    fn push(&self, id: u64) {
        // A poisoned lock can only come from a panic while pushing ids, which cannot happen.
        let mut guard = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        let (queue, queued) = &mut *guard;
        if queued.insert(id) {
            queue.push_back(id);
        }
    }

    fn pop(&self) -> Option<u64> {
        let mut guard = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        let (queue, queued) = &mut *guard;
        let id = queue.pop_front()?;
        queued.remove(&id);
        Some(id)
    }
}

struct TaskWaker {
    id: u64,
    queue: Arc<ReadyQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if thread::current().id() != self.queue.owner {
            self.queue.foreign_wake.store(true, Ordering::SeqCst);
        }
        self.queue.push(self.id);
    }
}

/// One executor per workflow run; it must stay on the thread that created it (`!Send`).
pub(crate) struct Executor {
    tasks: BTreeMap<u64, Task>,
    /// What each task runs (`run`, a handler), for the deadlock watchdog's message.
    labels: BTreeMap<u64, Arc<str>>,
    wakers: BTreeMap<u64, Waker>,
    next_id: u64,
    queue: Arc<ReadyQueue>,
}

impl Executor {
    pub(crate) fn new() -> Self {
        Self {
            tasks: BTreeMap::new(),
            labels: BTreeMap::new(),
            wakers: BTreeMap::new(),
            next_id: 0,
            queue: Arc::new(ReadyQueue {
                owner: thread::current().id(),
                ready: Mutex::new((VecDeque::new(), BTreeSet::new())),
                foreign_wake: AtomicBool::new(false),
            }),
        }
    }

    /// Adds a task; it is polled on the next `run_until_stalled`, after the tasks already ready.
    /// `label` says what it runs (`run`, a handler), for the deadlock watchdog's message.
    pub(crate) fn spawn(&mut self, label: Arc<str>, task: impl Future<Output = ()> + 'static) {
        let id = self.next_id;
        self.next_id += 1;
        self.tasks.insert(id, Box::pin(task));
        self.labels.insert(id, label);
        self.queue.push(id);
    }

    /// Polls ready tasks in FIFO order until none is ready. Wakes during a poll re-queue the
    /// task instead of recursing.
    pub(crate) fn run_until_stalled(&mut self) -> Result<(), ExecutorFault> {
        while let Some(id) = self.queue.pop() {
            let Some(task) = self.tasks.get_mut(&id) else {
                continue;
            };
            let queue = &self.queue;
            let waker = self
                .wakers
                .entry(id)
                .or_insert_with(|| {
                    Waker::from(Arc::new(TaskWaker {
                        id,
                        queue: Arc::clone(queue),
                    }))
                })
                .clone();
            if let Some(label) = self.labels.get(&id) {
                now_running::running(Arc::clone(label));
            }
            let mut cx = Context::from_waker(&waker);
            let polled = quietly(|| task.as_mut().poll(&mut cx));
            match polled {
                Ok(Poll::Ready(())) => {
                    self.tasks.remove(&id);
                    self.labels.remove(&id);
                    self.wakers.remove(&id);
                }
                Ok(Poll::Pending) => {}
                Err(panic) => return Err(ExecutorFault::Panic(panic)),
            }
        }
        if self.queue.foreign_wake.swap(false, Ordering::SeqCst) {
            return Err(ExecutorFault::ForeignWake);
        }
        Ok(())
    }

    /// Drops every task (their futures cancel what they started).
    pub(crate) fn clear(&mut self) {
        let tasks = std::mem::take(&mut self.tasks);
        drop(tasks);
        self.labels.clear();
        self.wakers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{cell::RefCell, rc::Rc};

    fn label() -> Arc<str> {
        Arc::from("test task")
    }

    #[test]
    fn tasks_run_in_spawn_order_until_stalled() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut ex = Executor::new();
        for i in 0..3 {
            let log = log.clone();
            ex.spawn(label(), async move { log.borrow_mut().push(i) });
        }
        ex.run_until_stalled().unwrap();
        assert_eq!(*log.borrow(), vec![0, 1, 2]);
    }

    #[test]
    fn pending_task_resumes_after_wake() {
        let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
        let done = Rc::new(RefCell::new(false));
        let mut ex = Executor::new();
        {
            let slot = slot.clone();
            let done = done.clone();
            let mut first = true;
            ex.spawn(label(), async move {
                std::future::poll_fn(|cx| {
                    if first {
                        first = false;
                        *slot.borrow_mut() = Some(cx.waker().clone());
                        Poll::Pending
                    } else {
                        Poll::Ready(())
                    }
                })
                .await;
                *done.borrow_mut() = true;
            });
        }
        ex.run_until_stalled().unwrap();
        assert!(!*done.borrow());
        slot.borrow_mut().take().unwrap().wake();
        ex.run_until_stalled().unwrap();
        assert!(*done.borrow());
    }

    #[test]
    fn panic_is_reported_not_propagated() {
        let mut ex = Executor::new();
        ex.spawn(label(), async { panic!("boom") });
        let Err(ExecutorFault::Panic(panic)) = ex.run_until_stalled() else {
            panic!("the panic is a fault");
        };
        assert_eq!(panic.message(), "boom");
        assert!(panic.to_string().contains("executor.rs"), "{panic}");
    }

    #[test]
    fn wake_from_another_thread_is_detected() {
        let slot: Rc<RefCell<Option<Waker>>> = Rc::default();
        let mut ex = Executor::new();
        {
            let slot = slot.clone();
            ex.spawn(
                label(),
                std::future::poll_fn(move |cx| {
                    *slot.borrow_mut() = Some(cx.waker().clone());
                    Poll::<()>::Pending
                }),
            );
        }
        ex.run_until_stalled().unwrap();
        let waker = slot.borrow_mut().take().unwrap();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        assert_eq!(ex.run_until_stalled(), Err(ExecutorFault::ForeignWake));
    }

    #[test]
    fn tokio_panics_name_the_replacement() {
        let mut ex = Executor::new();
        ex.spawn(label(), async { drop(tokio::spawn(async {})) });
        let fault = ex.run_until_stalled().expect_err("tokio needs its runtime");
        let described = fault.describe();
        assert!(described.contains("use ctx.sleep()"), "{described}");
        assert!(described.contains("executor.rs"), "{described}");
    }
}
