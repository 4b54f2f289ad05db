//! The examples' tests, in one binary (each test binary links all of core again): the testing
//! guide's examples, the `replay-check` binary against a dev server, and the examples'
//! versioning lock.

mod replay_check;
mod testing_guide;
mod versioning_lock;
