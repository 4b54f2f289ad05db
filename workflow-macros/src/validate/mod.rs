//! Checks over the model and the user's code that run before expansion.

pub(crate) mod catalog;
pub(crate) mod determinism;
