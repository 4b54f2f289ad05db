//! Integration tests against a real Temporal dev server that the tests start themselves.

mod workflows;

mod activities;
mod bad_input;
mod cache;
mod deadlock;
mod handlers;
mod order;
mod python;
mod replay;
mod shutdown;
mod timers;
