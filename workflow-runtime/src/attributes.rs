//! Search attributes and memo: what a workflow is tagged with, so it can be found (search
//! attributes, indexed by the server and filtered with a visibility query) and read about
//! without running it (memo, stored with the run and returned by list and describe).
//!
//! Search attribute keys are typed: a key names the attribute and its type, so a value of the
//! wrong type does not compile, and each value is written with the `type` metadata every
//! Temporal SDK writes, so the server indexes it as that type.
//!
//! ```
//! use std::time::SystemTime;
//! use workflow_runtime::{SearchAttributeKey, SearchAttributes};
//!
//! const CUSTOMER: SearchAttributeKey<String> = SearchAttributeKey::keyword("CustomerId");
//! const PRIORITY: SearchAttributeKey<i64> = SearchAttributeKey::int("Priority");
//!
//! let attributes = SearchAttributes::new()
//!     .with(&CUSTOMER, "c-17".to_owned())
//!     .with(&PRIORITY, 2);
//! assert_eq!(attributes.get(&PRIORITY)?, Some(2));
//! # Ok::<(), workflow_runtime::payload::PayloadError>(())
//! ```

use std::{
    collections::{BTreeMap, HashMap},
    marker::PhantomData,
    time::SystemTime,
};

use temporalio_common::protos::temporal::api::common::v1::{
    Memo as ProtoMemo, SearchAttributes as ProtoSearchAttributes,
};

use crate::payload::{Payload, PayloadError, decode, encode};

/// The metadata key of a search attribute's type, as every SDK writes it.
const TYPE_KEY: &str = "type";

/// A search attribute's name and value type. Define keys as constants, once, and use them to
/// set, upsert and read the attribute. A custom attribute must be registered with the server
/// (`temporal operator search-attribute create`, or `DevServerBuilder::search_attribute` of
/// `workflow_runtime::testing` in tests) before a workflow uses it.
#[derive(Debug)]
pub struct SearchAttributeKey<T> {
    name: &'static str,
    kind: &'static str,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for SearchAttributeKey<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SearchAttributeKey<T> {}

impl<T> SearchAttributeKey<T> {
    const fn typed(name: &'static str, kind: &'static str) -> Self {
        Self {
            name,
            kind,
            value: PhantomData,
        }
    }

    /// The attribute's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The attribute's type as Temporal names it: `Keyword`, `Text`, `Int`, `Double`, `Bool`,
    /// `Datetime` or `KeywordList`.
    pub const fn kind(&self) -> &'static str {
        self.kind
    }
}

impl SearchAttributeKey<String> {
    /// A `Keyword` attribute: matched whole (`CustomerId = 'c-17'`).
    pub const fn keyword(name: &'static str) -> Self {
        Self::typed(name, "Keyword")
    }

    /// A `Text` attribute: full-text searched, on servers whose visibility store supports it.
    pub const fn text(name: &'static str) -> Self {
        Self::typed(name, "Text")
    }
}

impl SearchAttributeKey<i64> {
    /// An `Int` attribute.
    pub const fn int(name: &'static str) -> Self {
        Self::typed(name, "Int")
    }
}

impl SearchAttributeKey<f64> {
    /// A `Double` attribute.
    pub const fn double(name: &'static str) -> Self {
        Self::typed(name, "Double")
    }
}

impl SearchAttributeKey<bool> {
    /// A `Bool` attribute.
    pub const fn bool(name: &'static str) -> Self {
        Self::typed(name, "Bool")
    }
}

impl SearchAttributeKey<SystemTime> {
    /// A `Datetime` attribute, written as RFC 3339 in UTC.
    pub const fn datetime(name: &'static str) -> Self {
        Self::typed(name, "Datetime")
    }
}

impl SearchAttributeKey<Vec<String>> {
    /// A `KeywordList` attribute: several keywords, each matched whole.
    pub const fn keyword_list(name: &'static str) -> Self {
        Self::typed(name, "KeywordList")
    }
}

/// A value a search attribute can hold: the types of [`SearchAttributeKey`]'s constructors.
pub trait SearchAttributeValue: Sized + sealed::Sealed {
    /// The value as JSON, the way every SDK writes it.
    #[doc(hidden)]
    fn to_json(&self) -> serde_json::Value;
    /// The value from its JSON form.
    #[doc(hidden)]
    fn from_json(json: serde_json::Value) -> Result<Self, String>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for String {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
    impl Sealed for bool {}
    impl Sealed for std::time::SystemTime {}
    impl Sealed for Vec<String> {}
}

macro_rules! serde_value {
    ($($ty:ty),*) => {$(
        impl SearchAttributeValue for $ty {
            fn to_json(&self) -> serde_json::Value {
                serde_json::json!(self)
            }
            fn from_json(json: serde_json::Value) -> Result<Self, String> {
                serde_json::from_value(json).map_err(|e| e.to_string())
            }
        }
    )*};
}

serde_value!(String, i64, f64, bool, Vec<String>);

impl SearchAttributeValue for SystemTime {
    fn to_json(&self) -> serde_json::Value {
        let at: chrono::DateTime<chrono::Utc> = (*self).into();
        serde_json::Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }

    fn from_json(json: serde_json::Value) -> Result<Self, String> {
        let text = json
            .as_str()
            .ok_or_else(|| format!("expected an RFC 3339 string, found {json}"))?;
        chrono::DateTime::parse_from_rfc3339(text)
            .map(SystemTime::from)
            .map_err(|e| format!("`{text}` is not RFC 3339: {e}"))
    }
}

/// Search attributes by name, each a payload as the server holds it. Built with typed keys,
/// read with them too.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchAttributes {
    fields: BTreeMap<String, Payload>,
}

impl SearchAttributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`.
    pub fn with<T: SearchAttributeValue>(mut self, key: &SearchAttributeKey<T>, value: T) -> Self {
        self.set(key, value);
        self
    }

    /// Sets `key` to `value`.
    pub fn set<T: SearchAttributeValue>(&mut self, key: &SearchAttributeKey<T>, value: T) {
        let mut payload = json_payload(&value.to_json());
        payload
            .metadata
            .insert(TYPE_KEY.to_owned(), key.kind.as_bytes().to_vec());
        self.fields.insert(key.name.to_owned(), payload);
    }

    /// Removes `key` when upserted (an empty value, as the server reads it); on a start it
    /// leaves the attribute unset.
    pub fn without<T>(mut self, key: &SearchAttributeKey<T>) -> Self {
        self.fields.insert(key.name.to_owned(), Payload::default());
        self
    }

    /// The value of `key`; `None` when it is not set (or was removed), an error when it holds
    /// a value of another type.
    pub fn get<T: SearchAttributeValue>(
        &self,
        key: &SearchAttributeKey<T>,
    ) -> Result<Option<T>, PayloadError> {
        let Some(payload) = self.fields.get(key.name).filter(|p| !p.data.is_empty()) else {
            return Ok(None);
        };
        let json: serde_json::Value = decode(payload)?;
        if json.is_null() {
            return Ok(None);
        }
        T::from_json(json).map(Some).map_err(|reason| {
            PayloadError::new(format!(
                "search attribute `{}` is not a {}: {reason}",
                key.name, key.kind
            ))
        })
    }

    /// The attribute names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The raw payload of attribute `name`, for attributes without a typed key.
    pub fn payload(&self, name: &str) -> Option<&Payload> {
        self.fields.get(name)
    }

    /// Applies an upsert: set values replace, empty ones remove.
    pub(crate) fn merge(&mut self, upsert: &SearchAttributes) {
        merge_fields(&mut self.fields, &upsert.fields);
    }

    pub(crate) fn to_proto(&self) -> ProtoSearchAttributes {
        ProtoSearchAttributes {
            indexed_fields: self.fields.clone().into_iter().collect(),
        }
    }

    pub(crate) fn from_proto(proto: Option<ProtoSearchAttributes>) -> Self {
        Self {
            fields: proto
                .map(|attributes| attributes.indexed_fields.into_iter().collect())
                .unwrap_or_default(),
        }
    }
}

/// A memo: values stored with a run, returned by list and describe, never indexed.
///
/// ```
/// use workflow_runtime::Memo;
/// let memo = Memo::new().with("owner", "team-payments").with("attempts", 3);
/// assert_eq!(memo.get::<u32>("attempts")?, Some(3));
/// # Ok::<(), workflow_runtime::payload::PayloadError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Memo {
    fields: BTreeMap<String, Payload>,
}

impl Memo {
    /// An empty memo.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to a JSON value.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.set(key, value);
        self
    }

    /// Sets `key` to a JSON value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) {
        self.fields.insert(key.into(), json_payload(&value.into()));
    }

    /// Removes `key` when upserted.
    pub fn without(mut self, key: impl Into<String>) -> Self {
        self.fields.insert(key.into(), Payload::default());
        self
    }

    /// The value of `key`, decoded; `None` when it is not set.
    pub fn get<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, PayloadError> {
        match self.fields.get(key).filter(|p| !p.data.is_empty()) {
            Some(payload) => decode(payload).map(Some),
            None => Ok(None),
        }
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// Whether the memo is empty.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Applies an upsert: set values replace, empty ones remove.
    pub(crate) fn merge(&mut self, upsert: &Memo) {
        merge_fields(&mut self.fields, &upsert.fields);
    }

    pub(crate) fn fields(&self) -> HashMap<String, Payload> {
        self.fields.clone().into_iter().collect()
    }

    pub(crate) fn to_proto(&self) -> ProtoMemo {
        ProtoMemo {
            fields: self.fields(),
        }
    }

    pub(crate) fn from_proto(proto: Option<ProtoMemo>) -> Self {
        Self {
            fields: proto
                .map(|memo| memo.fields.into_iter().collect())
                .unwrap_or_default(),
        }
    }
}

/// An upsert of search attributes or memo, as the server applies it: set values replace, empty
/// ones remove.
fn merge_fields(fields: &mut BTreeMap<String, Payload>, upsert: &BTreeMap<String, Payload>) {
    for (key, payload) in upsert {
        if payload.data.is_empty() {
            fields.remove(key);
        } else {
            fields.insert(key.clone(), payload.clone());
        }
    }
}

/// A JSON value as a `json/plain` payload; a JSON value always encodes.
fn json_payload(value: &serde_json::Value) -> Payload {
    encode(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const CUSTOMER: SearchAttributeKey<String> = SearchAttributeKey::keyword("CustomerId");
    const DUE: SearchAttributeKey<SystemTime> = SearchAttributeKey::datetime("Due");
    const TAGS: SearchAttributeKey<Vec<String>> = SearchAttributeKey::keyword_list("Tags");
    const SCORE: SearchAttributeKey<f64> = SearchAttributeKey::double("Score");

    #[test]
    fn values_carry_their_type_and_read_back() {
        let due = SystemTime::UNIX_EPOCH + Duration::from_millis(1_780_000_000_123);
        let attributes = SearchAttributes::new()
            .with(&CUSTOMER, "c-17".to_owned())
            .with(&DUE, due)
            .with(&TAGS, vec!["vip".to_owned(), "eu".to_owned()]);
        let customer = attributes.payload("CustomerId").expect("set");
        assert_eq!(customer.metadata[TYPE_KEY], b"Keyword");
        assert_eq!(customer.data, b"\"c-17\"");
        assert_eq!(
            attributes.payload("Due").expect("set").data,
            b"\"2026-05-28T20:26:40.123Z\""
        );
        assert_eq!(attributes.get(&DUE).expect("reads"), Some(due));
        assert_eq!(
            attributes.get(&TAGS).expect("reads"),
            Some(vec!["vip".to_owned(), "eu".to_owned()])
        );
        assert_eq!(attributes.get(&SCORE).expect("unset"), None);
        let wrong = SearchAttributeKey::<i64>::int("CustomerId");
        let error = attributes.get(&wrong).expect_err("a string is not an Int");
        assert!(
            error
                .to_string()
                .starts_with("search attribute `CustomerId` is not a Int"),
            "{error}"
        );
    }

    #[test]
    fn an_upsert_replaces_and_removes() {
        let mut current = SearchAttributes::new()
            .with(&CUSTOMER, "c-17".to_owned())
            .with(&SCORE, 1.5);
        current.merge(&SearchAttributes::new().with(&SCORE, 2.5).without(&CUSTOMER));
        assert_eq!(current.get(&SCORE).expect("reads"), Some(2.5));
        assert_eq!(current.get(&CUSTOMER).expect("reads"), None);
        assert_eq!(current.names().collect::<Vec<_>>(), ["Score"]);

        let mut memo = Memo::new().with("owner", "payments").with("n", 1);
        memo.merge(&Memo::new().with("n", 2).without("owner"));
        assert_eq!(memo.get::<u32>("n").expect("reads"), Some(2));
        assert_eq!(memo.keys().collect::<Vec<_>>(), ["n"]);
    }
}
