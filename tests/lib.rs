//! Shared set-up for the integration tests: one dev server per test binary, unique task
//! queues, a worker running in the background, waiting for a condition, reading a run's
//! history, the order fixtures, and the project-local Python environment for the
//! interoperability tests.

pub mod fixtures;
pub mod tls_proxy;

use std::{
    fmt::Debug,
    future::Future,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::Duration,
};

use workflow_runtime::{
    Client, UntypedWorkflowHandle,
    protos::temporal::api::{
        enums::v1::EventType,
        history::v1::{HistoryEvent, history_event::Attributes},
    },
    testing::{DevServer, tools_dir},
};

/// The custom search attributes the shared dev server registers as it starts, one per type.
pub mod attributes {
    use std::time::SystemTime;

    use workflow_runtime::SearchAttributeKey;

    /// A keyword.
    pub const CUSTOMER_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("CustomerId");
    /// A keyword, upserted by workflows.
    pub const STAGE: SearchAttributeKey<String> = SearchAttributeKey::keyword("OrderStage");
    /// A text.
    pub const NOTES: SearchAttributeKey<String> = SearchAttributeKey::text("Notes");
    /// An int.
    pub const PRIORITY: SearchAttributeKey<i64> = SearchAttributeKey::int("Priority");
    /// A double.
    pub const SCORE: SearchAttributeKey<f64> = SearchAttributeKey::double("Score");
    /// A bool.
    pub const VIP: SearchAttributeKey<bool> = SearchAttributeKey::bool("Vip");
    /// A datetime.
    pub const DUE: SearchAttributeKey<SystemTime> = SearchAttributeKey::datetime("DueAt");
    /// A keyword list.
    pub const TAGS: SearchAttributeKey<Vec<String>> = SearchAttributeKey::keyword_list("Tags");
}

/// The dev server shared by all tests of this binary. It is started once; a watchdog stops it
/// when the test process exits.
pub fn server_address() -> &'static str {
    static SERVER: OnceLock<DevServer> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            // Started on its own runtime: the tests' runtimes come and go.
            std::thread::spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for the dev server start");
                let server = DevServer::builder()
                    .search_attribute(&attributes::CUSTOMER_ID)
                    .search_attribute(&attributes::STAGE)
                    .search_attribute(&attributes::NOTES)
                    .search_attribute(&attributes::PRIORITY)
                    .search_attribute(&attributes::SCORE)
                    .search_attribute(&attributes::VIP)
                    .search_attribute(&attributes::DUE)
                    .search_attribute(&attributes::TAGS);
                runtime
                    .block_on(server.start())
                    .unwrap_or_else(|e| panic!("the integration tests need a dev server: {e}"))
            })
            .join()
            .expect("dev server start thread")
        })
        .address()
}

/// A client for the shared server, bound to the calling test's runtime.
pub async fn client() -> Client {
    init_tracing();
    let address = server_address();
    Client::connect(workflow_runtime::ClientOptions::new(address))
        .await
        .expect("connect to the dev server")
}

/// A task queue no other test uses.
pub fn task_queue(test: &str) -> String {
    format!("{test}-{}", uuid::Uuid::new_v4())
}

/// The budget of [`eventually`] for what takes a second or two on an idle machine. A loaded
/// 2-core machine can be ten times slower, and success returns early, so it is generous.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// How often [`eventually`] checks again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Runs `check` until it returns `Ok`, and returns that value. `Err` means "not yet" and
/// carries what was observed. When `budget` runs out (a check that hangs counts), panics
/// naming `awaited` and the last observation.
pub async fn eventually<T, E, F, Fut>(budget: Duration, awaited: &str, mut check: F) -> T
where
    E: Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = tokio::time::Instant::now() + budget;
    let mut last = None;
    loop {
        match tokio::time::timeout_at(deadline, check()).await {
            Ok(Ok(value)) => return value,
            Ok(Err(observed)) => last = Some(observed),
            Err(_) => {}
        }
        if tokio::time::Instant::now() + POLL_INTERVAL >= deadline {
            let last = last.map_or_else(|| "no check finished".to_owned(), |e| format!("{e:?}"));
            panic!("waited {budget:?} for {awaited}; last observed: {last}");
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The text of `telemetry`'s Prometheus endpoint, read with a plain HTTP request.
pub async fn scrape(telemetry: &workflow_runtime::Telemetry) -> String {
    use std::io::{Read, Write};
    let address = telemetry.prometheus_address();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connect to the endpoint");
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n")
            .expect("send the request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read the response");
        response
    })
    .await
    .expect("scrape")
}

/// The events of `kind` in the run's history, oldest first.
pub async fn history_events(handle: &UntypedWorkflowHandle, kind: EventType) -> Vec<HistoryEvent> {
    let history = handle.history().await.expect("history");
    history
        .into_iter()
        .filter(|event| event.event_type == kind as i32)
        .collect()
}

/// Waits until the run's history has an event of `kind`, and returns the first one.
pub async fn first_event(handle: &UntypedWorkflowHandle, kind: EventType) -> HistoryEvent {
    eventually(PATIENCE, &format!("a {kind:?} event"), || async {
        history_events(handle, kind)
            .await
            .into_iter()
            .next()
            .ok_or("none yet")
    })
    .await
}

/// Waits until the run records a failed workflow task and returns the failure's message.
pub async fn workflow_task_failure(handle: &UntypedWorkflowHandle) -> String {
    let failed = first_event(handle, EventType::WorkflowTaskFailed).await;
    let Some(Attributes::WorkflowTaskFailedEventAttributes(failed)) = failed.attributes else {
        panic!("a WorkflowTaskFailed event without its attributes: {failed:?}");
    };
    failed.failure.map(|f| f.message).unwrap_or_default()
}

/// The runtime's background worker guard, which the tests use throughout.
pub use workflow_runtime::RunningWorker;

/// The target that [`logged`] counts.
pub const COUNTED_TARGET: &str = "counted_log";

static COUNTED_LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The warnings logged so far (any target, any thread) that contain `needle`, each as its
/// message followed by ` name=value` for its other fields.
pub fn warnings_containing(needle: &str) -> Vec<String> {
    lines_containing(&WARNINGS, needle)
}

/// The kept `lines` that contain `needle`.
pub fn lines_containing(lines: &Mutex<Vec<String>>, needle: &str) -> Vec<String> {
    lines
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|line| line.contains(needle))
        .cloned()
        .collect()
}

/// How many times `message` was logged with target [`COUNTED_TARGET`], by any thread.
pub fn logged(message: &str) -> usize {
    COUNTED_LINES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|line| *line == message)
        .count()
}

/// Records the messages of events with target [`COUNTED_TARGET`].
struct LineCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for LineCounter {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        /// The message, then ` name=value` for each other field.
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0.insert_str(0, &format!("{value:?}"));
                } else {
                    self.0.push_str(&format!(" {}={value:?}", field.name()));
                }
            }
        }
        let counted = event.metadata().target() == COUNTED_TARGET;
        let warning = *event.metadata().level() == tracing::Level::WARN;
        if counted || warning {
            let mut message = Message(String::new());
            event.record(&mut message);
            let lines = if counted { &COUNTED_LINES } else { &WARNINGS };
            lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(message.0);
        }
    }
}

/// Installs the tests' log subscriber (once), which records warnings for [`warnings_containing`].
pub fn init_tracing() {
    use tracing_subscriber::{Layer, layer::SubscriberExt, util::SubscriberInitExt};
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let filter =
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_test_writer()
                    .with_filter(filter),
            )
            .with(LineCounter)
            .try_init();
    });
}

/// The pinned Python SDK, the peer of the interoperability tests.
pub const PINNED_TEMPORALIO: &str = "1.35.0";
/// The pinned `cryptography`, for the Python side of the encryption codec's test.
pub const PINNED_CRYPTOGRAPHY: &str = "46.0.3";

/// A project-local virtual environment with the Python SDK, created on first use.
pub fn python() -> PathBuf {
    static PYTHON: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut guard = PYTHON.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(python) = guard.as_ref() {
        return python.clone();
    }
    let venv = tools_dir().join(format!("py-temporalio-{PINNED_TEMPORALIO}"));
    let python = venv.join("bin").join("python");
    let ready = venv.join(".installed");
    // With the OpenTelemetry extra, for the tracing tests, and `cryptography`, for the
    // encryption codec's peer; a venv of an older set-up gets what it lacks.
    let requirements = [
        format!("temporalio[opentelemetry]=={PINNED_TEMPORALIO}"),
        format!("cryptography=={PINNED_CRYPTOGRAPHY}"),
    ];
    let requirement = requirements.join(" ");
    if std::fs::read_to_string(&ready).ok().as_deref() != Some(requirement.as_str()) {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("run python3 -m venv");
        assert!(
            status.success(),
            "python3 -m venv {} failed",
            venv.display()
        );
        let output = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(&requirements)
            .output()
            .expect("run pip");
        assert!(
            output.status.success(),
            "pip install temporalio failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::write(&ready, &requirement).expect("mark the venv ready");
    }
    *guard = Some(python.clone());
    python
}

/// The folder of the Python scripts the tests run.
pub fn python_scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python")
}

/// Runs one of the Python client scripts against the shared server, with the server's address
/// and `args` as arguments, and returns its stdout.
pub async fn run_python(script: &'static str, args: &[&str]) -> String {
    let python: PathBuf = tokio::task::spawn_blocking(python)
        .await
        .expect("python set-up");
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(python_scripts().join(script))
            .arg(server_address())
            .args(args)
            .output()
            .expect("run the Python client")
    })
    .await
    .expect("python client");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "python client {script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A Python worker started from a script of [`python_scripts`] as `SCRIPT worker ADDRESS
/// QUEUE`; the script prints `ready` once it polls and stops when its standard input closes,
/// which happens when this is dropped.
#[derive(Debug)]
pub struct PythonWorker {
    child: Child,
}

impl PythonWorker {
    /// Starts `script`'s worker on `queue` and waits until it polls.
    pub async fn start(script: &'static str, queue: &str) -> Self {
        let python = tokio::task::spawn_blocking(python)
            .await
            .expect("python set-up");
        let queue = queue.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new(python)
                .arg(python_scripts().join(script))
                .args(["worker", server_address(), queue.as_str()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("start the Python worker");
            let stdout = child.stdout.take().expect("piped stdout");
            let mut ready = String::new();
            BufReader::new(stdout)
                .read_line(&mut ready)
                .expect("read the Python worker's output");
            assert_eq!(
                ready.trim(),
                "ready",
                "the Python worker of {script} did not start"
            );
            Self { child }
        })
        .await
        .expect("Python worker start-up")
    }
}

impl Drop for PythonWorker {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Debian's Chromium, for the tests that drive the dev server's web UI: installed with apt on
/// first use when the machine lacks it, as the other tools the tests use are provisioned.
pub fn chromium() -> PathBuf {
    static CHROMIUM: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut guard = CHROMIUM.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(chromium) = guard.as_ref() {
        return chromium.clone();
    }
    let chromium = PathBuf::from("/usr/bin/chromium");
    if !chromium.exists() {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| out.stdout.trim_ascii() == b"0");
        let apt = |args: &[&str]| {
            let mut command = if root {
                Command::new("apt-get")
            } else {
                let mut sudo = Command::new("sudo");
                sudo.arg("apt-get");
                sudo
            };
            command
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .output()
                .expect("run apt-get")
        };
        let install = ["install", "-y", "--no-install-recommends", "chromium"];
        let mut output = apt(&install);
        if !output.status.success() {
            // A fresh machine may have no package lists yet.
            apt(&["update"]);
            output = apt(&install);
        }
        assert!(
            output.status.success(),
            "apt-get install chromium failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    *guard = Some(chromium.clone());
    chromium
}

/// The DOM of `url` once its scripts ran, from headless Chromium, with a fresh profile.
pub fn dump_dom(chromium: &std::path::Path, url: &str) -> Result<String, String> {
    let profile = std::env::temp_dir().join(format!("dump-dom-{}", uuid::Uuid::new_v4()));
    let output = Command::new(chromium)
        .args(examples::HEADLESS_CHROMIUM_FLAGS)
        .args(["--virtual-time-budget=15000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", chromium.display()))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !output.status.success() {
        return Err(format!(
            "chromium failed on {url}: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod eventually_tests {
    use super::*;

    #[tokio::test]
    async fn returns_the_first_ok() {
        let mut calls = 0;
        let value = eventually(Duration::from_secs(5), "the third call", || {
            calls += 1;
            let observed = calls;
            async move {
                if observed == 3 {
                    Ok(observed)
                } else {
                    Err(observed)
                }
            }
        })
        .await;
        assert_eq!(value, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "for the impossible; last observed: \"still 1\"")]
    async fn panics_with_what_was_awaited_and_the_last_observation() {
        eventually(Duration::from_millis(200), "the impossible", || async {
            Err::<(), _>("still 1")
        })
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "for a hanging check; last observed: no check finished")]
    async fn a_check_that_hangs_counts_against_the_budget() {
        eventually(Duration::from_millis(200), "a hanging check", || {
            std::future::pending::<Result<(), ()>>()
        })
        .await;
    }
}
