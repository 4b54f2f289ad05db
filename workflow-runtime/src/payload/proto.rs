//! Protobuf messages as payloads: [`Proto`] travels as `json/protobuf`, [`ProtoBinary`] as
//! `binary/protobuf`, both with the `messageType` metadata that the Python, Go, TypeScript and
//! Java SDKs write and read.
//!
//! The wrappers speak to the payload encoder and decoder through serde alone, so that
//! `encode`/`decode` stay generic over any serde type: a wrapper serializes as three nested
//! newtypes named by a marker, the message's package and the message's name, around the
//! message (in its proto3 JSON form, or its bytes). JSON ignores newtype names, so a wrapper
//! inside an ordinary struct is just the message's JSON. The encoder's non-JSON finder (`non_json.rs`) and
//! [`ProtoPayload`] below read the names to build or check `messageType`.

use std::{fmt, marker::PhantomData};

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, DeserializeOwned},
};

/// The newtype name by which [`Proto`] announces itself.
const JSON_MARKER: &str = "$workflow_runtime::Proto";
/// The newtype name by which [`ProtoBinary`] announces itself.
const BINARY_MARKER: &str = "$workflow_runtime::ProtoBinary";

/// The encoding of a message in its proto3 JSON form.
pub(super) const JSON_PROTOBUF: &[u8] = b"json/protobuf";
/// The encoding of a message in its wire bytes.
pub(super) const BINARY_PROTOBUF: &[u8] = b"binary/protobuf";

/// The two encodings of a protobuf message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProtoForm {
    /// `json/protobuf`: the message's proto3 JSON form.
    Json,
    /// `binary/protobuf`: the message's wire bytes.
    Binary,
}

impl ProtoForm {
    /// The form a wrapper's marker names, if `name` is one.
    pub(super) fn of_marker(name: &str) -> Option<Self> {
        match name {
            JSON_MARKER => Some(Self::Json),
            BINARY_MARKER => Some(Self::Binary),
            _ => None,
        }
    }

    /// The payload encoding of this form.
    pub(super) fn encoding(self) -> &'static [u8] {
        match self {
            Self::Json => JSON_PROTOBUF,
            Self::Binary => BINARY_PROTOBUF,
        }
    }
}

/// A message's full name, as `prost::Name::full_name` builds it by default.
pub(super) fn full_name(package: &str, name: &str) -> String {
    if package.is_empty() {
        name.to_owned()
    } else {
        format!("{package}.{name}")
    }
}

/// A protobuf message that travels as `json/protobuf`: its proto3 JSON form, with the
/// message's full name in the payload's `messageType` metadata. This is how the Python, Go,
/// TypeScript and Java SDKs send protobuf messages by default, and what they decode into their
/// own message classes.
///
/// `M` is a prost message with a name (`prost::Name`, which prost-build emits with
/// `enable_type_names`) and serde impls in the proto3 JSON form (as `pbjson` and `prost-wkt`
/// generate them); Temporal's API messages in [`crate::protos`] (`temporal.api.common.v1`, ..)
/// and the well-known `Timestamp` and `Duration` of `prost-wkt-types` qualify.
///
/// Decodes from `json/protobuf` and `binary/protobuf` payloads, refusing one whose
/// `messageType` names another message, and from a `json/plain` payload holding the JSON
/// form. Inside an ordinary struct it is the message's JSON form.
///
/// ```
/// use prost_wkt_types::Timestamp;
/// use workflow_runtime::payload::{Proto, decode, encode};
///
/// let payload = encode(&Proto(Timestamp { seconds: 1_700_000_000, nanos: 0 })).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"json/protobuf");
/// assert_eq!(payload.metadata["messageType"], b"google.protobuf.Timestamp");
/// assert_eq!(payload.data, br#""2023-11-14T22:13:20Z""#);
/// let Proto(back) = decode::<Proto<Timestamp>>(&payload).unwrap();
/// assert_eq!(back.seconds, 1_700_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Proto<M>(pub M);

/// A protobuf message that travels as `binary/protobuf`: its wire bytes, with the message's
/// full name in the payload's `messageType` metadata, as the other SDKs write it.
///
/// Use it where the receiver asks for the binary form; [`Proto`] is the default of the other
/// SDKs. `M` needs no serde impls: a prost message with a name (`prost::Name`) is enough.
/// Decodes from `binary/protobuf` payloads only, refusing one whose `messageType` names
/// another message.
///
/// ```
/// use prost_wkt_types::Duration;
/// use workflow_runtime::payload::{ProtoBinary, decode, encode};
///
/// let payload = encode(&ProtoBinary(Duration { seconds: 90, nanos: 0 })).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"binary/protobuf");
/// assert_eq!(payload.metadata["messageType"], b"google.protobuf.Duration");
/// let ProtoBinary(back) = decode::<ProtoBinary<Duration>>(&payload).unwrap();
/// assert_eq!(back.seconds, 90);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProtoBinary<M>(pub M);

impl<M> From<M> for Proto<M> {
    fn from(message: M) -> Self {
        Self(message)
    }
}

impl<M> From<M> for ProtoBinary<M> {
    fn from(message: M) -> Self {
        Self(message)
    }
}

impl<M: prost::Name + Serialize> Serialize for Proto<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(JSON_MARKER, &Package::<M, JsonBody>::new(&self.0))
    }
}

impl<M: prost::Name> Serialize for ProtoBinary<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(BINARY_MARKER, &Package::<M, BinaryBody>::new(&self.0))
    }
}

impl<'de, M: prost::Name + Default + DeserializeOwned> Deserialize<'de> for Proto<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_newtype_struct(JSON_MARKER, Level::<M, JsonBody>::new(Depth::Marker))
            .map(Proto)
    }
}

impl<'de, M: prost::Name + Default> Deserialize<'de> for ProtoBinary<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_newtype_struct(BINARY_MARKER, Level::<M, BinaryBody>::new(Depth::Marker))
            .map(ProtoBinary)
    }
}

// ---------------------------------------------------------------------------------------------
// Serializing: marker, then package, then name, then the body.

/// How the message itself is written and read.
trait SerializeBody<M> {
    fn serialize<S: Serializer>(message: &M, serializer: S) -> Result<S::Ok, S::Error>;
}

trait DeserializeBody<M> {
    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<M, D::Error>;
}

/// The proto3 JSON form, through the message's serde impls.
struct JsonBody;

/// The wire bytes.
struct BinaryBody;

impl<M: Serialize> SerializeBody<M> for JsonBody {
    fn serialize<S: Serializer>(message: &M, serializer: S) -> Result<S::Ok, S::Error> {
        message.serialize(serializer)
    }
}

impl<M: DeserializeOwned> DeserializeBody<M> for JsonBody {
    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<M, D::Error> {
        M::deserialize(deserializer)
    }
}

impl<M: prost::Message> SerializeBody<M> for BinaryBody {
    fn serialize<S: Serializer>(message: &M, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&message.encode_to_vec())
    }
}

impl<M: prost::Name + Default> DeserializeBody<M> for BinaryBody {
    fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<M, D::Error> {
        deserializer.deserialize_byte_buf(Level::<M, BinaryBody>::new(Depth::Body))
    }
}

/// Serializes as a newtype named by the message's package around [`Name`].
struct Package<'a, M, B> {
    message: &'a M,
    body: PhantomData<B>,
}

impl<'a, M, B> Package<'a, M, B> {
    fn new(message: &'a M) -> Self {
        Self {
            message,
            body: PhantomData,
        }
    }
}

impl<M: prost::Name, B: SerializeBody<M>> Serialize for Package<'_, M, B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(M::PACKAGE, &Name::<M, B>(self))
    }
}

/// Serializes as a newtype named by the message's name around the body.
struct Name<'p, 'a, M, B>(&'p Package<'a, M, B>);

impl<M: prost::Name, B: SerializeBody<M>> Serialize for Name<'_, '_, M, B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(M::NAME, &Body::<M, B>(self.0))
    }
}

struct Body<'p, 'a, M, B>(&'p Package<'a, M, B>);

impl<M, B: SerializeBody<M>> Serialize for Body<'_, '_, M, B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        B::serialize(self.0.message, serializer)
    }
}

// ---------------------------------------------------------------------------------------------
// Deserializing: the same three newtypes, visited one level at a time.

/// What the visitor expects next.
#[derive(Clone, Copy)]
enum Depth {
    /// The newtype under the marker, named by the package.
    Marker,
    /// The newtype under the package, named by the message's name.
    Package,
    /// The body.
    Name,
    /// Inside [`BinaryBody`]: the bytes.
    Body,
}

struct Level<M, B> {
    depth: Depth,
    types: PhantomData<fn() -> (M, B)>,
}

impl<M, B> Level<M, B> {
    fn new(depth: Depth) -> Self {
        Self {
            depth,
            types: PhantomData,
        }
    }
}

impl<M: prost::Name + Default, B> Level<M, B> {
    fn decode<E: de::Error>(bytes: &[u8]) -> Result<M, E> {
        M::decode(bytes).map_err(|e| {
            E::custom(format!(
                "cannot decode protobuf message `{}` from its bytes: {e}",
                M::full_name()
            ))
        })
    }
}

impl<'de, M: prost::Name + Default, B: DeserializeBody<M>> de::Visitor<'de> for Level<M, B> {
    type Value = M;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protobuf message `{}`", M::full_name())
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<M, D::Error> {
        match self.depth {
            Depth::Marker => {
                deserializer.deserialize_newtype_struct(M::PACKAGE, Self::new(Depth::Package))
            }
            Depth::Package => {
                deserializer.deserialize_newtype_struct(M::NAME, Self::new(Depth::Name))
            }
            Depth::Name | Depth::Body => B::deserialize(deserializer),
        }
    }

    /// A `binary/protobuf` payload hands over the message's bytes.
    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<M, E> {
        Self::decode(bytes)
    }

    /// A [`ProtoBinary`] inside JSON is an array of byte values.
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<M, A::Error> {
        if !matches!(self.depth, Depth::Body) {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        Self::decode(&bytes)
    }
}

// ---------------------------------------------------------------------------------------------
// The deserializer over a protobuf payload.

/// A deserializer over the data of a `json/protobuf` or `binary/protobuf` payload.
///
/// A protobuf wrapper gets its message (after `message_type`, when the payload has one, was
/// checked against the wrapper's message); any other target reads a `json/protobuf` payload as
/// JSON, so a plain serde struct can read a message's JSON form.
pub(super) struct ProtoPayload<'a> {
    pub(super) data: &'a [u8],
    pub(super) form: ProtoForm,
    pub(super) message_type: Option<&'a str>,
}

type JsonDeserializer<'a> = serde_json::Deserializer<serde_json::de::SliceRead<'a>>;

impl<'de> ProtoPayload<'de> {
    /// Runs `read` on the JSON of the payload, then checks that nothing follows.
    fn json<T>(
        &self,
        read: impl FnOnce(&mut JsonDeserializer<'de>) -> Result<T, serde_json::Error>,
    ) -> Result<T, serde_json::Error> {
        let mut json = serde_json::Deserializer::from_slice(self.data);
        let value = read(&mut json)?;
        json.end()?;
        Ok(value)
    }

    /// Reads the payload as JSON for a target that is not a protobuf wrapper.
    fn ordinary<T>(
        self,
        read: impl FnOnce(&mut JsonDeserializer<'de>) -> Result<T, serde_json::Error>,
    ) -> Result<T, serde_json::Error> {
        match self.form {
            ProtoForm::Json => self.json(read),
            ProtoForm::Binary => Err(de::Error::custom(format!(
                "a binary/protobuf payload{} decodes only into `Proto<M>` or `ProtoBinary<M>`",
                self.message_type
                    .map(|t| format!(" (`{t}`)"))
                    .unwrap_or_default()
            ))),
        }
    }
}

macro_rules! forward_to_json {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: de::Visitor<'de>>(
            self,
            $($arg: $ty,)*
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.ordinary(|json| de::Deserializer::$method(json, $($arg,)* visitor))
        }
    )*};
}

impl<'de> Deserializer<'de> for ProtoPayload<'de> {
    type Error = serde_json::Error;

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if ProtoForm::of_marker(name).is_some() {
            return visitor.visit_newtype_struct(Message {
                payload: self,
                package: None,
            });
        }
        self.ordinary(|json| de::Deserializer::deserialize_newtype_struct(json, name, visitor))
    }

    forward_to_json! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }
}

/// The levels under a wrapper's marker: first the package, then the name, which completes the
/// full name to check against `messageType`; then the body.
struct Message<'a> {
    payload: ProtoPayload<'a>,
    package: Option<&'static str>,
}

impl<'de> Deserializer<'de> for Message<'de> {
    type Error = serde_json::Error;

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let Some(package) = self.package else {
            return visitor.visit_newtype_struct(Message {
                payload: self.payload,
                package: Some(name),
            });
        };
        let expected = full_name(package, name);
        if let Some(found) = self.payload.message_type
            && found != expected
        {
            return Err(de::Error::custom(format!(
                "the payload holds a `{found}` message, not a `{expected}`"
            )));
        }
        match self.payload.form {
            ProtoForm::Json => self.payload.json(|json| visitor.visit_newtype_struct(json)),
            ProtoForm::Binary => visitor.visit_bytes(self.payload.data),
        }
    }

    fn deserialize_any<V: de::Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom(
            "a protobuf wrapper's Deserialize must name its package and message as newtypes",
        ))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}
