//! The versioning lock: a file kept in the repository that records, for each workflow, the
//! commands its code can produce (activities, children, timers, signals and cancellations of
//! other workflows, continue-as-new, patch ids) in source order. `#[workflow]` computes that
//! list from the code. A test compares each registered workflow with the file, so a change
//! that would break open runs fails `cargo test` before it is deployed, unless a new patch id
//! comes with it.

use std::{
    collections::BTreeMap,
    fmt,
    path::{Path, PathBuf},
};

use crate::workflow::WorkflowDefinition;

/// The environment variable that accepts the current code into the lock file, as `INSTA_UPDATE`
/// does for snapshots: `WORKFLOW_VERSIONING_LOCK=accept cargo test`.
pub const ACCEPT_VARIABLE: &str = "WORKFLOW_VERSIONING_LOCK";

/// Compares the registered workflows' commands with a lock file.
///
/// ```no_run
/// # use workflow_runtime::prelude::*;
/// # #[derive(Default)] pub struct OrderWorkflow;
/// # #[workflow] impl OrderWorkflow { #[run] async fn run(ctx: WorkflowContext<Self>) -> WorkflowResult<()> { Ok(()) } }
/// use workflow_runtime::testing::VersioningLock;
///
/// #[test]
/// fn workflow_changes_are_patched() {
///     VersioningLock::at(concat!(env!("CARGO_MANIFEST_DIR"), "/versioning.lock"))
///         .workflow::<OrderWorkflow>()
///         .check();
/// }
/// ```
#[derive(Debug)]
pub struct VersioningLock {
    path: PathBuf,
    workflows: BTreeMap<&'static str, Vec<String>>,
}

/// What [`VersioningLock::verify`] found.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockVerdict {
    /// Every workflow produces the commands the lock records.
    Unchanged,
    /// Some workflows changed safely (new workflow types, or changes that came with a new
    /// patch id): the lock should record them.
    SafeChanges(Vec<String>),
}

/// Changes that would break open runs, or a lock file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Commands changed with no new patch id.
    #[error("{}", unpatched_message(.path, .changes))]
    Unpatched {
        /// The lock file.
        path: PathBuf,
        /// One line per change, naming the workflow and what changed.
        changes: Vec<String>,
    },
    /// The lock file cannot be read or written.
    #[error("versioning lock {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The lock file is not in the lock's format.
    #[error("versioning lock {} line {line}: {problem}; delete the file and run the test again to write a new one", path.display())]
    Malformed {
        /// The lock file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
}

fn unpatched_message(path: &Path, changes: &[String]) -> String {
    let mut text = format!(
        "the commands of a workflow changed without a new patch id ({}):",
        path.display()
    );
    for change in changes {
        text.push_str("\n  - ");
        text.push_str(change);
    }
    text.push_str(&format!(
        "\nA run that is open when this code is deployed replays its history on it and fails. \
         Guard the change with `if ctx.patched(\"<new id>\") {{ new }} else {{ old }}` \
         (docs/versioning.md), or, when no run of the workflow is open, accept it: \
         {ACCEPT_VARIABLE}=accept cargo test"
    ));
    text
}

impl VersioningLock {
    /// A lock kept in the file at `path` (relative paths are relative to the test's working
    /// directory, the crate's folder under `cargo test`).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            workflows: BTreeMap::new(),
        }
    }

    /// Adds a workflow type to compare.
    pub fn workflow<W: WorkflowDefinition>(mut self) -> Self {
        self.workflows.insert(
            W::NAME,
            W::COMMANDS.iter().map(|c| (*c).to_owned()).collect(),
        );
        self
    }

    /// Compares, and writes the lock file when that is safe: when it does not exist yet,
    /// when the only changes are safe ones, or when `WORKFLOW_VERSIONING_LOCK=accept` is set.
    /// Under CI (the `CI` variable set) it writes nothing and a missing file is an error.
    /// Panics with the changes and what to do when a change would break open runs.
    #[track_caller]
    pub fn check(&self) {
        if let Err(error) = self.verify_and_record() {
            panic!("{error}");
        }
    }

    fn verify_and_record(&self) -> Result<(), LockError> {
        let accept = std::env::var(ACCEPT_VARIABLE).is_ok_and(|v| v == "accept");
        let in_ci = std::env::var_os("CI").is_some();
        let recorded = match std::fs::read_to_string(&self.path) {
            Ok(text) => Some(parse(&self.path, &text)?),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(LockError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let verdict = match &recorded {
            Some(recorded) => compare(&self.path, recorded, &self.workflows),
            None if in_ci => Err(LockError::Io {
                path: self.path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no lock file: run the tests once outside CI and commit the file they write",
                ),
            }),
            None => Ok(LockVerdict::SafeChanges(vec!["a new lock file".to_owned()])),
        };
        let write = match verdict {
            Ok(LockVerdict::Unchanged) => false,
            Ok(LockVerdict::SafeChanges(changes)) => {
                for change in &changes {
                    eprintln!("versioning lock {}: recorded {change}", self.path.display());
                }
                !in_ci
            }
            Err(LockError::Unpatched { .. }) if accept => true,
            Err(error) => return Err(error),
        };
        if write {
            std::fs::write(&self.path, render(&self.workflows)).map_err(|source| {
                LockError::Io {
                    path: self.path.clone(),
                    source,
                }
            })?;
        }
        Ok(())
    }

    /// Compares without writing anything.
    pub fn verify(&self) -> Result<LockVerdict, LockError> {
        let text = std::fs::read_to_string(&self.path).map_err(|source| LockError::Io {
            path: self.path.clone(),
            source,
        })?;
        compare(&self.path, &parse(&self.path, &text)?, &self.workflows)
    }
}

type Commands = BTreeMap<String, Vec<String>>;

const HEADER: &str =
    "# The commands each workflow's code can produce, in source order: a change here is a change
# to what open runs replay. Checked by workflow_runtime::testing::VersioningLock in `cargo test`;
# see docs/versioning.md. Accept a change with WORKFLOW_VERSIONING_LOCK=accept cargo test.
";

/// The lock file's text: the header, then `[Workflow]` and its commands, one per line.
fn render(workflows: &BTreeMap<&'static str, Vec<String>>) -> String {
    let mut text = HEADER.to_owned();
    for (name, commands) in workflows {
        text.push_str(&format!("\n[{name}]\n"));
        for command in commands {
            text.push_str(command);
            text.push('\n');
        }
    }
    text
}

fn parse(path: &Path, text: &str) -> Result<Commands, LockError> {
    let mut workflows = Commands::new();
    let mut current: Option<&mut Vec<String>> = None;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(workflows.entry(name.to_owned()).or_default());
            continue;
        }
        match current.as_deref_mut() {
            Some(commands) => commands.push(line.to_owned()),
            None => {
                return Err(LockError::Malformed {
                    path: path.to_owned(),
                    line: index + 1,
                    problem: "a command before any `[Workflow]` line",
                });
            }
        }
    }
    Ok(workflows)
}

/// The patch ids among commands (`run: patch `id``, deprecated or not).
fn patch_ids(commands: &[String]) -> Vec<&str> {
    commands
        .iter()
        .filter_map(|entry| entry.split_once(": patch `"))
        .map(|(_, rest)| rest.split('`').next().unwrap_or_default())
        .collect()
}

fn compare(
    path: &Path,
    recorded: &Commands,
    current: &BTreeMap<&'static str, Vec<String>>,
) -> Result<LockVerdict, LockError> {
    let mut safe = Vec::new();
    let mut unpatched = Vec::new();
    for (name, commands) in current {
        let Some(locked) = recorded.get(*name) else {
            safe.push(format!("new workflow `{name}`"));
            continue;
        };
        if locked == commands {
            continue;
        }
        let new_patches: Vec<&str> = patch_ids(commands)
            .into_iter()
            .filter(|id| !patch_ids(locked).contains(id))
            .collect();
        let change = describe_change(locked, commands);
        if new_patches.is_empty() {
            unpatched.push(format!("workflow `{name}`: {change}"));
        } else {
            safe.push(format!(
                "workflow `{name}`: {change} (patched with `{}`)",
                new_patches.join("`, `")
            ));
        }
    }
    if !unpatched.is_empty() {
        return Err(LockError::Unpatched {
            path: path.to_owned(),
            changes: unpatched,
        });
    }
    Ok(if safe.is_empty() {
        LockVerdict::Unchanged
    } else {
        LockVerdict::SafeChanges(safe)
    })
}

/// The first difference between two command lists, in words: `in `run`, the activity
/// `charge` now comes before the activity `reserve``, or what was added or removed.
fn describe_change(locked: &[String], current: &[String]) -> String {
    let at = locked
        .iter()
        .zip(current)
        .position(|(a, b)| a != b)
        .unwrap_or(locked.len().min(current.len()));
    let split = |entry: &String| -> (String, String) {
        match entry.split_once(": ") {
            Some((method, command)) => (method.to_owned(), command.to_owned()),
            None => (String::new(), entry.clone()),
        }
    };
    let mut sorted_locked = locked.to_vec();
    sorted_locked.sort();
    let mut sorted_current = current.to_vec();
    sorted_current.sort();
    let inserted = current.len() == locked.len() + 1 && current[at + 1..] == locked[at..];
    let removed = locked.len() == current.len() + 1 && locked[at + 1..] == current[at..];
    match (locked.get(at), current.get(at)) {
        (Some(was), Some(now)) if inserted => {
            let (method, now) = split(now);
            let (_, was) = split(was);
            format!("in `{method}`, a {now} was added before the {was}")
        }
        (Some(was), _) if removed => {
            let (method, was) = split(was);
            format!("in `{method}`, the {was} is gone")
        }
        (Some(was), Some(now)) if sorted_locked == sorted_current => {
            let (method, now) = split(now);
            let (_, was) = split(was);
            format!("in `{method}`, the {now} now comes before the {was}")
        }
        (Some(was), Some(now)) if !locked.contains(now) => {
            let (method, now) = split(now);
            let (_, was) = split(was);
            format!("in `{method}`, the {now} comes where the {was} was")
        }
        (Some(was), _) => {
            let (method, was) = split(was);
            format!("in `{method}`, the {was} is gone")
        }
        (None, Some(now)) => {
            let (method, now) = split(now);
            format!("in `{method}`, a {now} was added at the end")
        }
        (None, None) => "the commands changed".to_owned(),
    }
}

impl fmt::Display for LockVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unchanged => write!(f, "unchanged"),
            Self::SafeChanges(changes) => write!(f, "safe changes: {}", changes.join("; ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| (*e).to_owned()).collect()
    }

    fn verdict(locked: &[&str], now: &[&str]) -> Result<LockVerdict, LockError> {
        let recorded = Commands::from([("Order".to_owned(), commands(locked))]);
        let current = BTreeMap::from([("Order", commands(now))]);
        compare(Path::new("versioning.lock"), &recorded, &current)
    }

    const ORDER: [&str; 3] = [
        "run: activity `reserve`",
        "run: activity `charge`",
        "run: timer",
    ];

    #[test]
    fn the_same_commands_pass_and_a_swap_is_named() {
        assert_eq!(
            verdict(&ORDER, &ORDER).expect("same"),
            LockVerdict::Unchanged
        );
        let swapped = [ORDER[1], ORDER[0], ORDER[2]];
        let error = verdict(&ORDER, &swapped).expect_err("swapped");
        let text = error.to_string();
        assert!(
            text.contains(
                "workflow `Order`: in `run`, the activity `charge` now comes before the activity `reserve`"
            ) && text.contains("ctx.patched(")
                && text.contains("WORKFLOW_VERSIONING_LOCK=accept cargo test"),
            "{text}"
        );
    }

    #[test]
    fn added_removed_and_replaced_commands_are_named() {
        let added = [ORDER[0], ORDER[1], ORDER[2], "run: activity `ship`"];
        assert!(
            verdict(&ORDER, &added)
                .expect_err("added")
                .to_string()
                .contains("in `run`, a activity `ship` was added at the end")
        );
        let removed = [ORDER[0], ORDER[2]];
        assert!(
            verdict(&ORDER, &removed)
                .expect_err("removed")
                .to_string()
                .contains("in `run`, the activity `charge` is gone")
        );
        let inserted = [ORDER[0], "run: timer", ORDER[1], ORDER[2]];
        let text = verdict(&ORDER, &inserted)
            .expect_err("inserted")
            .to_string();
        assert!(
            text.contains("in `run`, a timer was added before the activity `charge`"),
            "{text}"
        );
        let replaced = [ORDER[0], "run: activity `charge_v2`", ORDER[2]];
        assert!(
            verdict(&ORDER, &replaced)
                .expect_err("replaced")
                .to_string()
                .contains("the activity `charge_v2` comes where the activity `charge` was")
        );
    }

    #[test]
    fn a_change_with_a_new_patch_id_and_a_new_workflow_are_safe() {
        let patched = [ORDER[0], "run: patch `charge-first`", ORDER[1], ORDER[2]];
        assert!(matches!(
            verdict(&ORDER, &patched).expect("patched"),
            LockVerdict::SafeChanges(changes) if changes[0].contains("patched with `charge-first`")
        ));
        // An id the lock already holds is not new: a second change needs a patch of its own.
        let again = [ORDER[0], "run: patch `charge-first`", ORDER[2]];
        let locked: Vec<&str> = patched.to_vec();
        assert!(verdict(&locked, &again).is_err());
        let recorded = Commands::new();
        let current = BTreeMap::from([("Order", commands(&ORDER))]);
        assert_eq!(
            compare(Path::new("l"), &recorded, &current).expect("new"),
            LockVerdict::SafeChanges(vec!["new workflow `Order`".to_owned()])
        );
    }

    #[test]
    fn the_file_round_trips_and_a_stray_line_is_refused() {
        let workflows = BTreeMap::from([("Order", commands(&ORDER)), ("Empty", Vec::new())]);
        let text = render(&workflows);
        let parsed = parse(Path::new("l"), &text).expect("parses");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed["Order"], commands(&ORDER));
        let error = parse(Path::new("l"), "run: timer\n").expect_err("no section");
        assert!(
            error
                .to_string()
                .contains("line 1: a command before any `[Workflow]` line")
        );
    }
}
