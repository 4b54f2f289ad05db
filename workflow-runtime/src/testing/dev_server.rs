//! The dev server: `temporal server start-dev` on a free port of 127.0.0.1, ready when the
//! namespace answers, stopped on drop; it can be stopped and restarted on the same port.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

use crate::{
    attributes::SearchAttributeKey,
    client::{Client, ClientError, ClientOptions},
    testing::{error::DevServerError, provision::temporal_cli},
};

/// Dynamic config that removes the stock dev server's ~45 ms delay on every workflow task
/// (its history transfer queue polls 20 times a second by default).
const FAST_DISPATCH: [&str; 2] = [
    "history.transferProcessorMaxPollRPS=10000",
    "history.transferProcessorMaxPollHostRPS=10000",
];

/// Options for [`DevServer`].
#[derive(Debug, Clone)]
pub struct DevServerBuilder {
    ui: bool,
    fast_dispatch: bool,
    db_file: Option<PathBuf>,
    extra_args: Vec<String>,
}

impl Default for DevServerBuilder {
    fn default() -> Self {
        Self {
            ui: false,
            fast_dispatch: true,
            db_file: None,
            extra_args: Vec::new(),
        }
    }
}

impl DevServerBuilder {
    /// Serves the web UI on a free port (off by default).
    pub fn ui(mut self, enabled: bool) -> Self {
        self.ui = enabled;
        self
    }

    /// Removes the stock server's ~45 ms workflow-task dispatch delay (on by default).
    pub fn fast_dispatch(mut self, enabled: bool) -> Self {
        self.fast_dispatch = enabled;
        self
    }

    /// Persists to this SQLite file instead of memory.
    pub fn db_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.db_file = Some(path.into());
        self
    }

    /// Registers a custom search attribute on the server as it starts (the dev server's
    /// `--search-attribute` flag), so workflows can set it and lists can filter on it.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use workflow_runtime::{SearchAttributeKey, testing::DevServer};
    /// const CUSTOMER: SearchAttributeKey<String> = SearchAttributeKey::keyword("CustomerId");
    /// let server = DevServer::builder().search_attribute(&CUSTOMER).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn search_attribute<T>(self, key: &SearchAttributeKey<T>) -> Self {
        self.arg("--search-attribute")
            .arg(format!("{}={}", key.name(), key.kind()))
    }

    /// Adds raw arguments to `temporal server start-dev`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    /// Provisions the CLI if needed, starts the server and waits until it answers.
    pub async fn start(self) -> Result<DevServer, DevServerError> {
        let cli = tokio::task::spawn_blocking(temporal_cli)
            .await
            .map_err(|e| {
                DevServerError::Provision(format!("the provisioning task failed: {e}"))
            })??;
        let mut attempt = 1;
        loop {
            let port = free_port()?;
            let ui_port = if self.ui { Some(free_port()?) } else { None };
            match self.clone().start_on(cli.clone(), port, ui_port).await {
                // Another process took a free port before the server bound it.
                Err(DevServerError::PortTaken { .. }) if attempt < PORT_ATTEMPTS => attempt += 1,
                outcome => return outcome,
            }
        }
    }

    /// Starts the server with the CLI `cli` on `port` (and the UI on `ui_port`), and waits
    /// until it answers.
    async fn start_on(
        self,
        cli: PathBuf,
        port: u16,
        ui_port: Option<u16>,
    ) -> Result<DevServer, DevServerError> {
        let log_path = std::env::temp_dir().join(format!("temporal-dev-server-{port}.log"));
        let mut server = DevServer {
            child: None,
            watchdog: None,
            address: format!("127.0.0.1:{port}"),
            ui_url: ui_port.map(|p| format!("http://127.0.0.1:{p}")),
            log_path,
            cli,
            port,
            ui_port,
            options: self,
        };
        server.spawn(true)?;
        server.wait_ready().await?;
        Ok(server)
    }
}

/// A running `temporal server start-dev`, stopped on drop.
#[derive(Debug)]
pub struct DevServer {
    /// `None` while stopped.
    child: Option<Child>,
    watchdog: Option<Child>,
    address: String,
    ui_url: Option<String>,
    log_path: PathBuf,
    cli: PathBuf,
    port: u16,
    ui_port: Option<u16>,
    options: DevServerBuilder,
}

impl DevServer {
    /// Starts a dev server with the default options (in memory, no UI, fast dispatch).
    pub async fn start() -> Result<Self, DevServerError> {
        DevServerBuilder::default().start().await
    }

    /// Options for a dev server.
    pub fn builder() -> DevServerBuilder {
        DevServerBuilder::default()
    }

    /// `127.0.0.1:port` of the server's gRPC frontend.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The web UI's address, if the UI is on.
    pub fn ui_url(&self) -> Option<&str> {
        self.ui_url.as_deref()
    }

    /// Client options pointing at this server.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions::new(self.address.clone())
    }

    /// A client connected to this server, namespace `default`.
    pub async fn client(&self) -> Result<Client, ClientError> {
        Client::connect(self.client_options()).await
    }

    /// The server's log file (warnings and errors, of every start).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The server process id (for measuring its CPU); 0 while the server is stopped.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Stops the server process at once (`SIGKILL`), as a crash or a lost machine would, to
    /// test how clients and workers ride out an outage. [`DevServer::restart`] brings it back
    /// on the same address. Stopping a stopped server does nothing.
    pub fn stop(&mut self) -> Result<(), DevServerError> {
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        // An error here means the process already exited; `wait` still reaps it.
        let _ = child.kill();
        child.wait().map_err(DevServerError::io(format!(
            "cannot wait for the dev server (pid {}) to exit",
            child.id()
        )))?;
        Ok(())
    }

    /// Starts the server again on the same address, with the same options and database, and
    /// waits until it answers; stops it first if it runs. With a [`DevServerBuilder::db_file`]
    /// the workflows, their histories and task queues survive; in memory, the restarted server
    /// starts empty.
    pub async fn restart(&mut self) -> Result<(), DevServerError> {
        self.stop()?;
        self.spawn(false)?;
        self.wait_ready().await
    }

    /// Runs the server process on this server's port, with a watchdog; `fresh` truncates the
    /// log, otherwise the new start appends to it.
    fn spawn(&mut self, fresh: bool) -> Result<(), DevServerError> {
        let options = &self.options;
        let mut command = Command::new(&self.cli);
        command.args([
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            &self.port.to_string(),
        ]);
        command.args(["--log-level", "warn"]);
        match self.ui_port {
            Some(ui_port) => {
                command.args(["--ui-port", &ui_port.to_string()]);
            }
            None => {
                command.arg("--headless");
            }
        }
        if options.fast_dispatch {
            for value in FAST_DISPATCH {
                command.args(["--dynamic-config-value", value]);
            }
        }
        if let Some(db) = &options.db_file {
            command.arg("--db-filename").arg(db);
        }
        command.args(&options.extra_args);
        // A file, not a pipe: the server must never write into a closed pipe (SIGPIPE).
        let log = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(!fresh)
            .truncate(fresh)
            .open(&self.log_path)
            .map_err(DevServerError::io(format!(
                "cannot create {}",
                self.log_path.display()
            )))?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let child = command.spawn().map_err(DevServerError::io(format!(
            "cannot run {}",
            self.cli.display()
        )))?;
        self.watchdog = spawn_watchdog(child.id());
        self.child = Some(child);
        Ok(())
    }

    async fn wait_ready(&mut self) -> Result<(), DevServerError> {
        let Some(child) = self.child.as_mut() else {
            return Ok(());
        };
        let client_options = ClientOptions::new(self.address.clone());
        wait_until_answers(child, &self.log_path, &self.address, || {
            namespace_ready(client_options.clone())
        })
        .await
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// How many free ports a server is started on before a port taken at each start is an error.
pub(crate) const PORT_ATTEMPTS: u32 = 5;

/// What both servers log when their port is taken: the dev server then exits, the test server
/// keeps running without listening.
const PORT_TAKEN: &str = "address already in use";

/// Waits up to 60 s until `answers` succeeds, failing early with the log if the server process
/// exits or logs that its port is taken; shared by the dev server and the time-skipping test
/// server.
pub(crate) async fn wait_until_answers<F, Fut>(
    child: &mut Child,
    log_path: &Path,
    address: &str,
    mut answers: F,
) -> Result<(), DevServerError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), ClientError>>,
{
    let waited = Duration::from_secs(60);
    let deadline = Instant::now() + waited;
    let mut last_error = None;
    while Instant::now() < deadline {
        let exited = child.try_wait().ok().flatten();
        let log = std::fs::read_to_string(log_path).unwrap_or_default();
        if log.to_ascii_lowercase().contains(PORT_TAKEN) {
            return Err(DevServerError::PortTaken {
                address: address.to_owned(),
                log,
            });
        }
        if let Some(status) = exited {
            return Err(DevServerError::Exited { status, log });
        }
        // Bounded, so a port that accepts but does not answer (taken by another program)
        // leaves time to read the log again.
        match tokio::time::timeout(Duration::from_secs(2), answers()).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => last_error = Some(Box::new(e)),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(DevServerError::NotReady {
        address: address.to_owned(),
        waited,
        last_error,
    })
}

/// Whether the dev server's `default` namespace answers, asked once on the raw gRPC client
/// (without retries: the caller decides when to ask again).
async fn namespace_ready(options: ClientOptions) -> Result<(), ClientError> {
    let client = Client::connect(options).await?;
    client
        .connection()
        .workflow_service()
        .describe_namespace(tonic::Request::new(DescribeNamespaceRequest {
            namespace: "default".to_owned(),
            ..Default::default()
        }))
        .await
        .map_err(ClientError::rpc)?;
    Ok(())
}

/// Kills `server_pid` once this process is gone, so no server outlives a killed test run.
pub(crate) fn spawn_watchdog(server_pid: u32) -> Option<Child> {
    let script = format!(
        "while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill {server_pid} 2>/dev/null",
        parent = std::process::id()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

pub(crate) fn free_port() -> Result<u16, DevServerError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(DevServerError::io("no free port on 127.0.0.1"))
}

#[cfg(test)]
mod tests {
    use super::{DevServerBuilder, DevServerError, TcpListener, temporal_cli};

    /// The dev server exits when its port is taken; the start reads why in its log (and
    /// `start` tries another port).
    #[tokio::test]
    async fn a_taken_port_is_reported_as_taken() {
        let cli = temporal_cli().expect("the Temporal CLI");
        let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = taken.local_addr().expect("its address").port();
        let outcome = DevServerBuilder::default().start_on(cli, port, None).await;
        assert!(
            matches!(&outcome, Err(DevServerError::PortTaken { log, .. }) if log.contains("bind")),
            "{outcome:?}"
        );
    }
}
