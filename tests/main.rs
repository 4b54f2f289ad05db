//! Integration tests against a real Temporal dev server that the tests start themselves.

mod workflows;

mod activities;
mod activity_workers;
mod async_completion;
mod attributes;
mod bad_input;
mod cache;
mod cancellation_scopes;
mod codec_server;
mod deadlock;
mod dynamic;
mod encryption;
mod failures;
mod faults;
mod handler_context;
mod handlers;
mod handles;
mod interceptors;
mod lifecycle;
mod local_activities;
mod metrics;
mod order;
mod outage;
mod python;
mod replay;
mod schedules;
mod security;
mod shutdown;
mod start_options;
mod testing_tools;
mod timers;
mod traces;
mod versioning;
mod visibility;
