//! Example workflows, shared by the runnable examples and the integration tests.

pub mod order;
pub mod reminders;
