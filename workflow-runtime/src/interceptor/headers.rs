//! Temporal headers: payloads by key that travel with a call (a workflow start, a signal, a
//! query, an update, an activity, a child workflow) beside its arguments, for interceptors to
//! carry context such as a trace or an auth token.

use std::collections::HashMap;

use serde::{Serialize, de::DeserializeOwned};

use crate::payload::{Payload, PayloadError, decode, encode};

/// The headers of one call: payloads by key.
///
/// ```
/// use workflow_runtime::Headers;
///
/// let mut headers = Headers::new();
/// headers.encode("tenant", &"acme").unwrap();
/// assert_eq!(headers.decode::<String>("tenant").unwrap().unwrap(), "acme");
/// assert!(headers.get("absent").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers {
    fields: HashMap<String, Payload>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn from_fields(fields: HashMap<String, Payload>) -> Self {
        Self { fields }
    }

    pub(crate) fn into_fields(self) -> HashMap<String, Payload> {
        self.fields
    }

    /// The payload under `key`.
    pub fn get(&self, key: &str) -> Option<&Payload> {
        self.fields.get(key)
    }

    /// The value under `key`, decoded like an argument; `None` when the key is absent.
    pub fn decode<T: DeserializeOwned>(&self, key: &str) -> Option<Result<T, PayloadError>> {
        self.fields.get(key).map(decode)
    }

    /// Sets `key` to `payload`, replacing what was there.
    pub fn insert(&mut self, key: impl Into<String>, payload: Payload) {
        self.fields.insert(key.into(), payload);
    }

    /// Sets `key` to `value`, encoded like an argument (JSON for ordinary values).
    pub fn encode<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<(), PayloadError> {
        self.insert(key, encode(value)?);
        Ok(())
    }

    /// Removes `key`, returning its payload.
    pub fn remove(&mut self, key: &str) -> Option<Payload> {
        self.fields.remove(key)
    }

    /// The keys, sorted, so that code iterating them behaves the same on every run.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.fields.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}
