//! Patches: `ctx.patched(id)` and `ctx.deprecate_patch(id)`, with the rule core and the other
//! SDKs apply (Python's `workflow.patched`, TypeScript's `patched`): a run that is not replaying
//! takes the new branch and records a marker; a replaying run takes the new branch only when its
//! history holds the marker (core tells it with a `NotifyHasPatch` job before the code runs);
//! the first answer for an id is kept for the rest of the run, so code that asks twice, or asks
//! on a later task, gets the same branch.

use std::collections::{BTreeMap, BTreeSet};

use temporalio_common::protos::coresdk::workflow_commands::{SetPatchMarker, workflow_command};

/// What one run knows about its patches.
#[derive(Debug, Default)]
pub(crate) struct Patches {
    /// The ids whose marker the history holds, as core notified them.
    in_history: BTreeSet<String>,
    /// The answer given for each id asked so far.
    answered: BTreeMap<String, bool>,
}

impl Patches {
    /// Core found the marker of `id` in the history (`NotifyHasPatch`).
    pub(crate) fn notify(&mut self, id: String) {
        self.in_history.insert(id);
    }

    /// Whether the code takes the new branch of patch `id`, and the marker command to record
    /// when this is the first time it does. `deprecated` marks the patch as one whose old
    /// branch is gone: its marker may then be missing from a history that replays.
    pub(crate) fn ask(
        &mut self,
        id: &str,
        deprecated: bool,
        replaying: bool,
    ) -> (bool, Option<workflow_command::Variant>) {
        if let Some(answer) = self.answered.get(id) {
            return (*answer, None);
        }
        let new_branch = !replaying || self.in_history.contains(id);
        self.answered.insert(id.to_owned(), new_branch);
        let marker = new_branch.then(|| {
            workflow_command::Variant::SetPatchMarker(SetPatchMarker {
                patch_id: id.to_owned(),
                deprecated,
            })
        });
        (new_branch, marker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(id: &str, deprecated: bool) -> Option<workflow_command::Variant> {
        Some(workflow_command::Variant::SetPatchMarker(SetPatchMarker {
            patch_id: id.to_owned(),
            deprecated,
        }))
    }

    #[test]
    fn a_new_run_takes_the_new_branch_and_records_the_marker_once() {
        let mut patches = Patches::default();
        assert_eq!(patches.ask("v2", false, false), (true, marker("v2", false)));
        assert_eq!(patches.ask("v2", false, false), (true, None));
    }

    #[test]
    fn a_replay_without_the_marker_takes_the_old_branch_for_the_rest_of_the_run() {
        let mut patches = Patches::default();
        assert_eq!(patches.ask("v2", false, true), (false, None));
        // A later task is no longer replaying, but the run already went the old way.
        assert_eq!(patches.ask("v2", false, false), (false, None));
    }

    #[test]
    fn a_replay_with_the_marker_takes_the_new_branch() {
        let mut patches = Patches::default();
        patches.notify("v2".to_owned());
        assert_eq!(patches.ask("v2", false, true), (true, marker("v2", false)));
        assert_eq!(patches.ask("other", false, true), (false, None));
    }

    #[test]
    fn a_deprecated_patch_records_a_deprecated_marker() {
        let mut patches = Patches::default();
        assert_eq!(patches.ask("v2", true, false), (true, marker("v2", true)));
        let mut replay = Patches::default();
        replay.notify("v2".to_owned());
        assert_eq!(replay.ask("v2", true, true), (true, marker("v2", true)));
    }
}
