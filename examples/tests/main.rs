//! The examples' tests, in one binary (each test binary links all of core again): the testing
//! guide's examples and the `replay-check` binary against a dev server.

mod replay_check;
mod testing_guide;
