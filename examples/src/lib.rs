//! Example workflows: the order workflow of the main demo, the approval workflow and a durable
//! timer loop.

pub mod approval;
pub mod order;
pub mod reminders;
