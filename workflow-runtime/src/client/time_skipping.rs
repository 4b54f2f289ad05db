//! Automatic time skipping for clients of Temporal's time-skipping test server: while a
//! client waits on a workflow's result, the server's clock is unlocked so timers fire at once;
//! the rest of the time it stays locked, so the test decides when time moves.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::testservice::v1::{
    LockTimeSkippingRequest, UnlockTimeSkippingRequest,
};
use tokio::sync::oneshot;

use crate::client::{Client, ClientError};

/// Whether a client talks to the time-skipping test server, and whether waiting on a result
/// skips time (on by default; a test can pause it).
#[derive(Debug, Clone, Default)]
pub(crate) struct AutoTimeSkipping {
    paused: Arc<AtomicBool>,
}

impl AutoTimeSkipping {
    /// Pauses automatic time skipping until the guard drops, which restores what it was: a
    /// block dropped half-way (a test's own timeout) does not leave skipping paused.
    #[cfg(feature = "testing")]
    pub(crate) fn pause(&self) -> PausedTimeSkipping<'_> {
        PausedTimeSkipping {
            was_paused: self.paused.swap(true, Ordering::SeqCst),
            auto: self,
        }
    }

    fn paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
}

/// Automatic time skipping paused; restored on drop.
#[cfg(feature = "testing")]
pub(crate) struct PausedTimeSkipping<'a> {
    auto: &'a AutoTimeSkipping,
    was_paused: bool,
}

#[cfg(feature = "testing")]
impl Drop for PausedTimeSkipping<'_> {
    fn drop(&mut self) {
        self.auto.paused.store(self.was_paused, Ordering::SeqCst);
    }
}

impl Client {
    /// Runs `wait` with the test server's clock unlocked when this client skips time
    /// automatically; otherwise just runs it. The clock is locked again when `wait` ends, and
    /// also when the caller drops this future half-way (a test's own timeout), so the server's
    /// lock count stays balanced.
    pub(crate) async fn skipping_time<T>(
        &self,
        wait: impl Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        let Some(auto) = self.time_skipping() else {
            return wait.await;
        };
        if auto.paused() {
            return wait.await;
        }
        let unlocked = ClockUnlock::start(self).unlocked().await?;
        let outcome = wait.await;
        let locked = unlocked.relock().await;
        let value = outcome?;
        locked?;
        Ok(value)
    }
}

/// One unlock of the test server's clock and the lock that takes it back, sent by a task of
/// their own: the caller may be dropped at any point, even while the unlock is in flight, and
/// the lock still follows an unlock that the server applied.
struct ClockUnlock {
    unlocked: oneshot::Receiver<Result<(), ClientError>>,
    release: oneshot::Sender<()>,
    locked: oneshot::Receiver<Result<(), ClientError>>,
}

/// The clock, unlocked: relocking it, or dropping this, locks it again.
struct Unlocked {
    release: oneshot::Sender<()>,
    locked: oneshot::Receiver<Result<(), ClientError>>,
}

impl ClockUnlock {
    fn start(client: &Client) -> Self {
        let (unlocked_tx, unlocked) = oneshot::channel();
        let (release, released) = oneshot::channel::<()>();
        let (locked_tx, locked) = oneshot::channel();
        let client = client.clone();
        tokio::spawn(async move {
            let outcome = client
                .connection()
                .test_service()
                .unlock_time_skipping(tonic::Request::new(UnlockTimeSkippingRequest {}))
                .await
                .map(drop)
                .map_err(ClientError::rpc);
            let applied = outcome.is_ok();
            let _ = unlocked_tx.send(outcome);
            if !applied {
                return;
            }
            // Sent when the wait ended; dropped when the caller was dropped: lock either way.
            let _ = released.await;
            let outcome = lock(&client).await;
            if let Err(error) = &outcome {
                tracing::warn!(%error, "cannot lock the test server's clock again");
            }
            let _ = locked_tx.send(outcome);
        });
        Self {
            unlocked,
            release,
            locked,
        }
    }

    /// Waits until the server applied the unlock.
    async fn unlocked(self) -> Result<Unlocked, ClientError> {
        let Self {
            unlocked,
            release,
            locked,
        } = self;
        match unlocked.await {
            Ok(outcome) => outcome.map(|()| Unlocked { release, locked }),
            // The task ended without an answer: the runtime is shutting down.
            Err(_) => Err(ClientError::unexpected(
                "the test server's clock unlock was abandoned",
            )),
        }
    }
}

impl Unlocked {
    /// Locks the clock again and waits until the server applied it.
    async fn relock(self) -> Result<(), ClientError> {
        let _ = self.release.send(());
        self.locked.await.unwrap_or_else(|_| {
            Err(ClientError::unexpected(
                "the test server's clock lock was abandoned",
            ))
        })
    }
}

async fn lock(client: &Client) -> Result<(), ClientError> {
    client
        .connection()
        .test_service()
        .lock_time_skipping(tonic::Request::new(LockTimeSkippingRequest {}))
        .await
        .map(drop)
        .map_err(ClientError::rpc)
}

#[cfg(test)]
mod tests {
    use super::AutoTimeSkipping;

    #[test]
    fn a_pause_is_undone_when_its_guard_drops_even_nested() {
        let auto = AutoTimeSkipping::default();
        {
            let _outer = auto.pause();
            {
                let _inner = auto.pause();
                assert!(auto.paused());
            }
            assert!(auto.paused(), "the inner guard restores the outer pause");
        }
        assert!(!auto.paused());
    }

    #[test]
    fn a_pause_held_by_a_dropped_future_is_undone() {
        let auto = AutoTimeSkipping::default();
        let held = async {
            let _paused = auto.pause();
            std::future::pending::<()>().await;
        };
        let mut held = Box::pin(held);
        let waker = std::task::Waker::noop();
        let _ = held
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        assert!(auto.paused());
        drop(held);
        assert!(!auto.paused());
    }
}
