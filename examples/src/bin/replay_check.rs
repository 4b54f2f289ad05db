//! The pre-deploy replay check of the examples: replays the runs that a server holds for the
//! examples' workflow types against the code in this repository, prints one line per run and
//! a summary, and exits 1 when any run does not replay (2 when the check cannot run). A CI job
//! runs it before a deploy, against the cluster the deploy goes to:
//!
//! ```text
//! TEMPORAL_ADDRESS=temporal.example.com:7233 TEMPORAL_NAMESPACE=orders \
//! TEMPORAL_TLS_CLIENT_CERT_PATH=client.pem TEMPORAL_TLS_CLIENT_KEY_PATH=client.key \
//!     cargo run -p examples --bin replay-check -- --limit 500
//! ```
//!
//! Arguments: `--query <visibility query>` narrows the runs, `--limit <n>` caps how many are
//! replayed (newest first), `--include-closed` replays closed runs too. The connection comes
//! from the standard environment variables (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
//! `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, `TEMPORAL_PROFILE`); unset, the local dev server.
//! `docs/versioning.md` says where it fits in a release.

use std::process::ExitCode;

use workflow_runtime::replay::Replayer;

#[tokio::main]
async fn main() -> ExitCode {
    examples::init_logging("error");
    examples::with_current_workflows!(Replayer::new())
        .check_before_deploy(std::env::args().skip(1))
        .await
}
