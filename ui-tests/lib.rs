//! Holds no code: the cases are in `fail/` and `pass/`, run by `ui.rs` with trybuild.
//! Regenerate `.stderr` files with `TRYBUILD=overwrite cargo test -p ui-tests` and review the
//! diff.
