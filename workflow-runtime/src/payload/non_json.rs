//! Finds the values that do not travel as JSON: byte buffers (`binary/plain`) and protobuf
//! messages wrapped in `Proto`/`ProtoBinary`.
//!
//! The value is serialized once into [`NonJsonFinder`], a serializer that gives up at the first call an
//! ordinary value makes (`serialize_struct`, `serialize_str`, ..), so ordinary values cost one
//! call that returns at once, with no allocation. A byte buffer calls `serialize_bytes`
//! (`bytes::Bytes`, `serde_bytes::ByteBuf`) or, for `Vec<u8>` and its kin, which serde sends
//! as a sequence of `u8`, is known by its type; the finder then collects the bytes it is handed,
//! which is the payload's data. The protobuf wrappers announce themselves with a newtype name
//! of their own, followed by the message's package and name (see `proto.rs`).

use std::{
    any::TypeId,
    borrow::Cow,
    collections::VecDeque,
    fmt::{self, Display},
};

use serde::{
    Serialize,
    ser::{self, Impossible},
};

use super::proto::{self, ProtoForm};

/// What the finder found.
#[derive(Debug)]
pub(super) enum Found {
    /// A byte buffer: its bytes travel as `binary/plain`.
    Bytes(Vec<u8>),
    /// A protobuf message, encoded as `form` asks.
    Proto {
        form: ProtoForm,
        message_type: String,
        data: Vec<u8>,
    },
}

/// Serializes `value` into the finder: `Ok(None)` for an ordinary value (it travels as JSON),
/// `Err` when a protobuf message cannot be encoded.
pub(super) fn find_non_json<T: Serialize + ?Sized>(value: &T) -> Result<Option<Found>, String> {
    let finder = NonJsonFinder {
        stage: Stage::Top {
            byte_seq: is_byte_seq::<T>(),
        },
    };
    match value.serialize(finder) {
        Ok(Finding::Found(found)) => Ok(Some(found)),
        Ok(Finding::Byte(_)) | Err(FinderStop::Ordinary) => Ok(None),
        Err(FinderStop::Proto(message)) => Err(message),
    }
}

/// Whether `T` is a sequence of bytes that serde serializes element by element: `Vec<u8>`,
/// `[u8]`, `Box<[u8]>`, `VecDeque<u8>`, `Cow<[u8]>`, or a reference to or `Option` of one.
/// Decided by type, so an empty `Vec<u8>` is still bytes and an empty `Vec<u32>` is not.
fn is_byte_seq<T: ?Sized>() -> bool {
    let id = typeid::of::<T>();
    let byte_seqs = [
        TypeId::of::<Vec<u8>>(),
        TypeId::of::<[u8]>(),
        TypeId::of::<&[u8]>(),
        TypeId::of::<Box<[u8]>>(),
        TypeId::of::<VecDeque<u8>>(),
        TypeId::of::<Cow<'static, [u8]>>(),
        TypeId::of::<&Vec<u8>>(),
        TypeId::of::<Option<Vec<u8>>>(),
        TypeId::of::<Option<Box<[u8]>>>(),
    ];
    byte_seqs.contains(&id)
}

/// Where the finder is in the value.
#[derive(Clone, Copy)]
enum Stage {
    /// The value itself; `byte_seq` when its type is a sequence of bytes.
    Top { byte_seq: bool },
    /// An element of a sequence of bytes.
    Byte,
    /// After a protobuf wrapper's marker: the message's package comes next, as a newtype name.
    Package(ProtoForm),
    /// Then the message's name, as a newtype name.
    Name(ProtoForm, &'static str),
    /// A message in its binary form, as bytes.
    MessageBytes,
}

enum Finding {
    Found(Found),
    Byte(u8),
}

#[derive(Debug)]
enum FinderStop {
    /// Not a byte buffer nor a protobuf message (or the value's own `Serialize` failed, which
    /// the JSON encoder then reports).
    Ordinary,
    /// A protobuf message that cannot be encoded.
    Proto(String),
}

impl Display for FinderStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ordinary => f.write_str("an ordinary value"),
            Self::Proto(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FinderStop {}

impl ser::Error for FinderStop {
    fn custom<T: Display>(_msg: T) -> Self {
        Self::Ordinary
    }
}

struct NonJsonFinder {
    stage: Stage,
}

/// Collects the elements of a sequence of bytes.
struct ByteSeq {
    bytes: Vec<u8>,
}

impl ser::SerializeSeq for ByteSeq {
    type Ok = Finding;
    type Error = FinderStop;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FinderStop> {
        match value.serialize(NonJsonFinder { stage: Stage::Byte })? {
            Finding::Byte(byte) => {
                self.bytes.push(byte);
                Ok(())
            }
            Finding::Found(_) => Err(FinderStop::Ordinary),
        }
    }

    fn end(self) -> Result<Finding, FinderStop> {
        Ok(Finding::Found(Found::Bytes(self.bytes)))
    }
}

type Never = Impossible<Finding, FinderStop>;

const ORDINARY: Result<Finding, FinderStop> = Err(FinderStop::Ordinary);

/// Serializer methods of values that are neither byte buffers nor protobuf wrappers.
macro_rules! ordinary {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<$ok, FinderStop> {
            Err(FinderStop::Ordinary)
        }
    )*};
}

impl ser::Serializer for NonJsonFinder {
    type Ok = Finding;
    type Error = FinderStop;
    type SerializeSeq = ByteSeq;
    type SerializeTuple = Never;
    type SerializeTupleStruct = Never;
    type SerializeTupleVariant = Never;
    type SerializeMap = Never;
    type SerializeStruct = Never;
    type SerializeStructVariant = Never;

    fn serialize_u8(self, v: u8) -> Result<Finding, FinderStop> {
        match self.stage {
            Stage::Byte => Ok(Finding::Byte(v)),
            _ => ORDINARY,
        }
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Finding, FinderStop> {
        match self.stage {
            Stage::Top { .. } | Stage::MessageBytes => Ok(Finding::Found(Found::Bytes(v.to_vec()))),
            _ => ORDINARY,
        }
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Finding, FinderStop> {
        match self.stage {
            Stage::Top { .. } => value.serialize(self),
            _ => ORDINARY,
        }
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Finding, FinderStop> {
        match self.stage {
            Stage::Top { .. } => match ProtoForm::of_marker(name) {
                Some(form) => value.serialize(NonJsonFinder {
                    stage: Stage::Package(form),
                }),
                // A newtype is its content, as in JSON.
                None => value.serialize(self),
            },
            Stage::Package(form) => value.serialize(NonJsonFinder {
                stage: Stage::Name(form, name),
            }),
            Stage::Name(form, package) => {
                let message_type = proto::full_name(package, name);
                let data = match form {
                    ProtoForm::Json => serde_json::to_vec(value).map_err(|e| {
                        FinderStop::Proto(format!(
                            "cannot encode protobuf message `{message_type}` as json/protobuf: {e}"
                        ))
                    })?,
                    ProtoForm::Binary => match value.serialize(NonJsonFinder {
                        stage: Stage::MessageBytes,
                    }) {
                        Ok(Finding::Found(Found::Bytes(data))) => data,
                        _ => {
                            return Err(FinderStop::Proto(format!(
                                "protobuf message `{message_type}` did not serialize as bytes"
                            )));
                        }
                    },
                };
                Ok(Finding::Found(Found::Proto {
                    form,
                    message_type,
                    data,
                }))
            }
            Stage::Byte | Stage::MessageBytes => ORDINARY,
        }
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<ByteSeq, FinderStop> {
        match self.stage {
            Stage::Top { byte_seq: true } => Ok(ByteSeq {
                bytes: Vec::with_capacity(len.unwrap_or(0)),
            }),
            _ => Err(FinderStop::Ordinary),
        }
    }

    ordinary! {
        serialize_bool(bool) -> Finding;
        serialize_i8(i8) -> Finding;
        serialize_i16(i16) -> Finding;
        serialize_i32(i32) -> Finding;
        serialize_i64(i64) -> Finding;
        serialize_u16(u16) -> Finding;
        serialize_u32(u32) -> Finding;
        serialize_u64(u64) -> Finding;
        serialize_f32(f32) -> Finding;
        serialize_f64(f64) -> Finding;
        serialize_char(char) -> Finding;
        serialize_str(&str) -> Finding;
        serialize_none() -> Finding;
        serialize_unit() -> Finding;
        serialize_unit_struct(&'static str) -> Finding;
        serialize_unit_variant(&'static str, u32, &'static str) -> Finding;
        serialize_tuple(usize) -> Never;
        serialize_tuple_struct(&'static str, usize) -> Never;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Never;
        serialize_map(Option<usize>) -> Never;
        serialize_struct(&'static str, usize) -> Never;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Never;
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Finding, FinderStop> {
        ORDINARY
    }
    fn collect_str<T: Display + ?Sized>(self, _: &T) -> Result<Finding, FinderStop> {
        ORDINARY
    }
}
