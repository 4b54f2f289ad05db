//! The approval workflow: a request waits up to 24 hours (by default) for a reviewer's
//! `approve(bool)` signal and is rejected automatically when the time runs out. The wait is a
//! durable timer: workers can restart in between.
//!
//! It has no demo binary: the integration tests run it (`tests/handlers.rs`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use workflow_runtime::prelude::*;

/// What needs approving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    /// What is requested, for the reviewer.
    pub description: String,
    /// How long to wait for a decision, in seconds (default 24 hours).
    #[serde(default = "one_day")]
    pub timeout_seconds: u64,
}

fn one_day() -> u64 {
    24 * 60 * 60
}

/// Who decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecidedBy {
    /// A reviewer sent `approve`.
    Reviewer,
    /// Nobody answered in time.
    Timeout,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDecision {
    /// Whether the request was approved.
    pub approved: bool,
    /// Who decided.
    pub decided_by: DecidedBy,
}

/// The approval workflow's state: the reviewer's answer, once given.
#[derive(Debug, Default)]
pub struct ApprovalWorkflow {
    decision: Option<bool>,
}

#[workflow]
impl ApprovalWorkflow {
    #[run]
    pub async fn run(
        ctx: WorkflowContext<Self>,
        request: ApprovalRequest,
    ) -> WorkflowResult<ApprovalDecision> {
        let timeout = Duration::from_secs(request.timeout_seconds);
        let answered = ctx
            .wait_condition_for(timeout, |s| s.decision.is_some())
            .await?;
        Ok(match ctx.state(|s| s.decision) {
            Some(approved) if answered => ApprovalDecision {
                approved,
                decided_by: DecidedBy::Reviewer,
            },
            _ => ApprovalDecision {
                approved: false,
                decided_by: DecidedBy::Timeout,
            },
        })
    }

    /// The reviewer's answer; the first one counts.
    #[signal]
    pub fn approve(&mut self, approved: bool) {
        self.decision.get_or_insert(approved);
    }

    /// The answer so far: `None` while waiting.
    #[query]
    pub fn decision(&self) -> Option<bool> {
        self.decision
    }
}
