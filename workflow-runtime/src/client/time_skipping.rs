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

use crate::client::{Client, ClientError};

/// Whether a client talks to the time-skipping test server, and whether waiting on a result
/// skips time (on by default; a test can pause it).
#[derive(Debug, Clone, Default)]
pub(crate) struct AutoTimeSkipping {
    paused: Arc<AtomicBool>,
}

impl AutoTimeSkipping {
    pub(crate) fn set_paused(&self, paused: bool) -> bool {
        self.paused.swap(paused, Ordering::SeqCst)
    }

    fn paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }
}

impl Client {
    /// Runs `wait` with the test server's clock unlocked when this client skips time
    /// automatically; otherwise just runs it.
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
        let test_service = self.connection().test_service();
        let mut unlock = test_service.clone();
        unlock
            .unlock_time_skipping(tonic::Request::new(UnlockTimeSkippingRequest {}))
            .await
            .map_err(ClientError::rpc)?;
        let outcome = wait.await;
        let mut lock = test_service;
        let locked = lock
            .lock_time_skipping(tonic::Request::new(LockTimeSkippingRequest {}))
            .await
            .map_err(ClientError::rpc);
        let value = outcome?;
        locked?;
        Ok(value)
    }
}
