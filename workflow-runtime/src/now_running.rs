//! What a workflow thread is running right now, readable from another thread: the deadlock
//! watchdog names the stuck workflow and handler with it.
//!
//! A workflow thread installs its labels once; the thread then labels each activation with its
//! workflow, and the executor and the handler dispatch label the code they are about to run
//! (`run`, a signal handler...). Labelling is a lock nobody else holds, except the watchdog for
//! an instant when it reads a stuck thread.

use std::{
    cell::RefCell,
    sync::{Arc, Mutex, PoisonError},
};

#[derive(Debug, Default)]
struct Labels {
    workflow: Option<Arc<str>>,
    code: Option<Arc<str>>,
}

/// The labels of one workflow thread; clones share them.
#[derive(Debug, Clone, Default)]
pub(crate) struct NowRunning(Arc<Mutex<Labels>>);

thread_local! {
    static INSTALLED: RefCell<Option<NowRunning>> = const { RefCell::new(None) };
}

impl NowRunning {
    /// Makes these labels the ones the calling thread's labels go to.
    pub(crate) fn install(&self) {
        INSTALLED.with(|installed| *installed.borrow_mut() = Some(self.clone()));
    }

    /// The workflow and the code last labelled on the labels' thread.
    pub(crate) fn read(&self) -> (Option<Arc<str>>, Option<Arc<str>>) {
        let labels = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        (labels.workflow.clone(), labels.code.clone())
    }
}

fn label(update: impl FnOnce(&mut Labels)) {
    INSTALLED.with(|installed| {
        if let Some(now_running) = installed.borrow().as_ref() {
            // Each update is one assignment, so a panic elsewhere cannot leave it half done.
            update(&mut now_running.0.lock().unwrap_or_else(PoisonError::into_inner));
        }
    });
}

/// Forgets the labels of the calling thread's previous activation, so that a new one is never
/// described with them.
pub(crate) fn clear() {
    label(|labels| *labels = Labels::default());
}

/// Labels the activation the calling thread starts: which workflow run it belongs to. The code
/// label is cleared until the run labels what it runs.
pub(crate) fn running_workflow(workflow: &Arc<str>) {
    label(|labels| {
        labels.workflow = Some(Arc::clone(workflow));
        labels.code = None;
    });
}

/// Labels the code the calling thread is about to run (`run`, a handler).
pub(crate) fn running(code: impl Into<Arc<str>>) {
    let code = code.into();
    label(|labels| labels.code = Some(code));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_reach_the_installed_labels_from_their_thread_only() {
        let now_running = NowRunning::default();
        let workflow: Arc<str> = Arc::from("workflow `W`");
        let code: Arc<str> = Arc::from("`run`");
        // Without installed labels, labels go nowhere.
        running(Arc::clone(&code));
        assert_eq!(now_running.read(), (None, None));
        let remote = now_running.clone();
        std::thread::spawn(move || {
            remote.install();
            running_workflow(&workflow);
            running(code);
        })
        .join()
        .expect("labelling thread");
        let (workflow, code) = now_running.read();
        assert_eq!(workflow.as_deref(), Some("workflow `W`"));
        assert_eq!(code.as_deref(), Some("`run`"));
    }
}
