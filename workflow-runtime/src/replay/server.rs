//! The pre-deploy check: replay the histories of runs on a live server against the code being
//! built, before that code reaches a worker. A run whose history the new code cannot replay
//! would get stuck (its workflow task fails on every attempt) once the new code is deployed.

use std::{fmt, io::Write, process::ExitCode};

use futures::{StreamExt, TryStreamExt};

use crate::{
    client::{Client, ClientError, ClientOptions, WorkflowExecution},
    payload::chain_text,
    replay::{ReplayError, Replayer},
};

/// Which runs [`Replayer::replay_from_server`] replays: the open runs of the workflow types
/// the replayer registers, narrowed by a visibility query, up to a limit, optionally with
/// closed runs too.
///
/// ```
/// use workflow_runtime::replay::ServerRuns;
/// let runs = ServerRuns::open()
///     .matching("TaskQueue = 'orders'")
///     .limit(200)
///     .including_closed();
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerRuns {
    query: Option<String>,
    limit: Option<usize>,
    include_closed: bool,
}

impl ServerRuns {
    /// The open runs of the registered workflow types, all of them.
    pub fn open() -> Self {
        Self::default()
    }

    /// Narrows the runs with a visibility query (`temporal workflow list --query` syntax), for
    /// example `TaskQueue = 'orders'` or `StartTime > '2026-11-01T00:00:00Z'`.
    pub fn matching(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into()).filter(|q| !q.trim().is_empty());
        self
    }

    /// Replays at most `limit` runs, newest first.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Replays closed runs too (within the namespace's retention): they show what the code
    /// must still replay for queries and resets, and they are history the new code has not
    /// seen.
    pub fn including_closed(mut self) -> Self {
        self.include_closed = true;
        self
    }

    /// The visibility query for runs of `workflow_types`.
    fn visibility_query<'a>(&self, workflow_types: impl Iterator<Item = &'a str>) -> String {
        let types: Vec<String> = workflow_types
            .map(|name| format!("WorkflowType = '{name}'"))
            .collect();
        let mut parts = vec![format!("({})", types.join(" OR "))];
        if !self.include_closed {
            parts.push("ExecutionStatus = 'Running'".to_owned());
        }
        if let Some(query) = &self.query {
            parts.push(format!("({query})"));
        }
        parts.join(" AND ")
    }
}

/// One run replayed from the server, and how it went.
#[derive(Debug)]
#[non_exhaustive]
pub struct ReplayedRun {
    /// The run, as the server lists it, with the length of the history that was replayed.
    pub run: WorkflowExecution,
    /// `Ok` when the code replayed the run's history; the divergence or failure otherwise.
    pub outcome: Result<(), ReplayError>,
}

impl fmt::Display for ReplayedRun {
    /// One line: `ok` or `FAIL`, the workflow id, run id and type, and what went wrong.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let run = &self.run;
        let verdict = if self.outcome.is_ok() { "ok  " } else { "FAIL" };
        write!(
            f,
            "{verdict} {} (run {}, {}, {} events)",
            run.workflow_id, run.run_id, run.workflow_type, run.history_length
        )?;
        if let Err(error) = &self.outcome {
            write!(f, ": {}", chain_text(error))?;
        }
        Ok(())
    }
}

/// The runs a [`Replayer::replay_from_server`] call replayed, in the order the server listed
/// them (newest first).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ServerReplayReport {
    /// Each run and its outcome.
    pub runs: Vec<ReplayedRun>,
}

impl ServerReplayReport {
    /// The runs whose histories the code does not replay.
    pub fn failures(&self) -> impl Iterator<Item = &ReplayedRun> {
        self.runs.iter().filter(|run| run.outcome.is_err())
    }

    /// Whether every run replayed.
    pub fn all_replayed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The last line of the check: how many runs replayed, diverged, or could not be replayed.
    pub fn summary(&self) -> String {
        let diverged = self
            .failures()
            .filter(|run| matches!(run.outcome, Err(ReplayError::Nondeterminism(_))))
            .count();
        let failed = self.failures().count() - diverged;
        let replayed = self.runs.len() - diverged - failed;
        format!(
            "{} runs checked: {replayed} replayed, {diverged} diverged, {failed} could not be replayed",
            self.runs.len()
        )
    }
}

impl fmt::Display for ServerReplayReport {
    /// One line per run, then the summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for run in &self.runs {
            writeln!(f, "{run}")?;
        }
        write!(f, "{}", self.summary())
    }
}

impl Replayer {
    /// Replays the histories of runs on a live server against the registered workflow code:
    /// the check to run before deploying a change. Each run's outcome is in the report, a
    /// divergence named as by [`replay`](Self::replay); the call fails only when the runs
    /// cannot be listed.
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// # #[derive(Default)] pub struct OrderWorkflow;
    /// # #[workflow] impl OrderWorkflow { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
    /// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use workflow_runtime::replay::{Replayer, ServerRuns};
    /// let report = Replayer::new()
    ///     .workflow::<OrderWorkflow>()
    ///     .replay_from_server(&client, ServerRuns::open().limit(500))
    ///     .await?;
    /// println!("{report}");
    /// assert!(report.all_replayed());
    /// # Ok(()) }
    /// ```
    pub async fn replay_from_server(
        &self,
        client: &Client,
        runs: ServerRuns,
    ) -> Result<ServerReplayReport, ClientError> {
        let mut report = ServerReplayReport::default();
        self.replay_each_from_server(client, &runs, |run| report.runs.push(run))
            .await?;
        Ok(report)
    }

    /// Replays the runs one by one and hands each outcome to `each` as soon as it is known.
    async fn replay_each_from_server(
        &self,
        client: &Client,
        runs: &ServerRuns,
        mut each: impl FnMut(ReplayedRun),
    ) -> Result<(), ClientError> {
        if !self.registry.has_workflows() {
            return Ok(());
        }
        let query = runs.visibility_query(self.registry.workflow_names());
        let codec = if self.codec.is_set() {
            &self.codec
        } else {
            client.codec()
        };
        let listed = client.list_workflows(query);
        let mut listed = std::pin::pin!(match runs.limit {
            Some(limit) =>
                futures::future::Either::Left(listed.page_size(page_size(limit)).take(limit)),
            None => futures::future::Either::Right(listed),
        });
        while let Some(mut run) = listed.try_next().await? {
            let handle = client.untyped_handle(run.workflow_id.clone(), Some(run.run_id.clone()));
            let outcome = match handle.fetch_history().await {
                Ok(history) => {
                    // The listing may lag behind (or leave out) the length of an open run.
                    run.history_length = u64::try_from(history.events().len()).unwrap_or(0);
                    self.replay_decoded_by(&history, codec).await
                }
                Err(source) => Err(ReplayError::Fetch(Box::new(source))),
            };
            each(ReplayedRun { run, outcome });
        }
        Ok(())
    }

    /// The pre-deploy check as a program: connects with the standard environment variables
    /// (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`,
    /// `TEMPORAL_PROFILE`, as [`ClientOptions::from_env`] reads them), replays the runs the
    /// command line selects, prints one line per run and a summary, and exits non-zero when
    /// any run does not replay (1) or the check cannot run (2).
    ///
    /// ```text
    /// replay-check [--query <visibility query>] [--limit <n>] [--include-closed]
    /// ```
    ///
    /// A team's check is a `main` that registers its workflows:
    ///
    /// ```no_run
    /// # use workflow_runtime::prelude::*;
    /// # #[derive(Default)] pub struct OrderWorkflow;
    /// # #[workflow] impl OrderWorkflow { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
    /// use workflow_runtime::replay::Replayer;
    ///
    /// #[tokio::main]
    /// async fn main() -> std::process::ExitCode {
    ///     Replayer::new()
    ///         .workflow::<OrderWorkflow>()
    ///         .check_before_deploy(std::env::args().skip(1))
    ///         .await
    /// }
    /// ```
    pub async fn check_before_deploy(&self, args: impl IntoIterator<Item = String>) -> ExitCode {
        let runs = match ServerRuns::from_args(args) {
            Ok(runs) => runs,
            Err(usage) => {
                eprintln!("{usage}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        let client = match ClientOptions::from_env() {
            Ok(options) => Client::connect(options).await,
            Err(error) => Err(error),
        };
        let client = match client {
            Ok(client) => client,
            Err(error) => {
                eprintln!("replay check: {}", chain_text(&error));
                return ExitCode::from(2);
            }
        };
        let mut out = std::io::stdout().lock();
        match self.check_and_print(&client, &runs, &mut out).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(error) => {
                eprintln!("replay check: {}", chain_text(&error));
                ExitCode::from(2)
            }
        }
    }

    /// Replays the runs, writing each run's line as it is known and then the summary;
    /// `Ok(true)` when every run replayed.
    pub(crate) async fn check_and_print(
        &self,
        client: &Client,
        runs: &ServerRuns,
        out: &mut dyn Write,
    ) -> Result<bool, ClientError> {
        let mut report = ServerReplayReport::default();
        self.replay_each_from_server(client, runs, |run| {
            // A closed stdout (`| head`) must not stop the check.
            let _ = writeln!(out, "{run}");
            report.runs.push(run);
        })
        .await?;
        let _ = writeln!(out, "{}", report.summary());
        Ok(report.all_replayed())
    }
}

/// The command line of [`Replayer::check_before_deploy`].
const USAGE: &str =
    "usage: replay-check [--query <visibility query>] [--limit <n>] [--include-closed]
  Replays the open runs of the registered workflow types (and closed ones with
  --include-closed) from the server named by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
  TEMPORAL_API_KEY, TEMPORAL_TLS_* or TEMPORAL_PROFILE. Exits 1 when a run does not
  replay, 2 when the check cannot run.";

/// A command line [`Replayer::check_before_deploy`] does not understand.
#[derive(Debug, thiserror::Error)]
#[error("replay check: {0}")]
pub(crate) struct Usage(String);

impl ServerRuns {
    /// Reads `--query <q>`, `--limit <n>` and `--include-closed`.
    pub(crate) fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, Usage> {
        let mut runs = Self::open();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .ok_or_else(|| Usage(format!("{name} needs a value")))
            };
            match arg.as_str() {
                "--query" => runs = runs.matching(value("--query")?),
                "--limit" => {
                    let limit = value("--limit")?;
                    let limit = limit.parse().map_err(|_| {
                        Usage(format!("--limit takes a number of runs, not `{limit}`"))
                    })?;
                    runs = runs.limit(limit);
                }
                "--include-closed" => runs = runs.including_closed(),
                other => return Err(Usage(format!("unknown argument `{other}`"))),
            }
        }
        Ok(runs)
    }
}

/// How many runs to ask for per page when at most `limit` are wanted.
fn page_size(limit: usize) -> u32 {
    u32::try_from(limit.clamp(1, 1000)).unwrap_or(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &[&str]) -> Result<ServerRuns, Usage> {
        ServerRuns::from_args(line.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn the_query_asks_for_open_runs_of_the_registered_types_unless_closed_ones_are_wanted() {
        let types = || ["Order", "Payment"].into_iter();
        assert_eq!(
            ServerRuns::open().visibility_query(types()),
            "(WorkflowType = 'Order' OR WorkflowType = 'Payment') AND ExecutionStatus = 'Running'"
        );
        assert_eq!(
            ServerRuns::open()
                .matching("TaskQueue = 'orders' OR TaskQueue = 'eu'")
                .including_closed()
                .visibility_query(types()),
            "(WorkflowType = 'Order' OR WorkflowType = 'Payment') AND (TaskQueue = 'orders' OR TaskQueue = 'eu')"
        );
        assert_eq!(ServerRuns::open().matching("  "), ServerRuns::open());
    }

    #[test]
    fn the_command_line_selects_the_runs_and_bad_arguments_say_what_is_wrong() {
        assert_eq!(args(&[]).expect("no arguments"), ServerRuns::open());
        assert_eq!(
            args(&[
                "--query",
                "TaskQueue = 'a'",
                "--limit",
                "20",
                "--include-closed"
            ])
            .expect("every argument"),
            ServerRuns::open()
                .matching("TaskQueue = 'a'")
                .limit(20)
                .including_closed()
        );
        let error = |line: &[&str]| args(line).expect_err("refused").to_string();
        assert_eq!(
            error(&["--limit", "-1"]),
            "replay check: --limit takes a number of runs, not `-1`"
        );
        assert_eq!(error(&["--query"]), "replay check: --query needs a value");
        assert_eq!(
            error(&["--closed"]),
            "replay check: unknown argument `--closed`"
        );
    }
}
