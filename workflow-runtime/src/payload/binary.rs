//! Decoding a `binary/plain` payload: its data are the bytes of a byte buffer.

use serde::de::{self, value::SeqDeserializer};

/// A deserializer over the data of a `binary/plain` payload. It hands out bytes in the form
/// each target asks for: a sequence of `u8` for `Vec<u8>` (whose serde impl wants a sequence),
/// bytes for `bytes::Bytes`, `serde_bytes::ByteBuf` and the like; `Option`s and newtypes of
/// those work too. Any other target gets serde's "invalid type: byte array" error.
pub(super) struct BinaryDeserializer<'a>(pub(super) &'a [u8]);

impl<'de> de::Deserializer<'de> for BinaryDeserializer<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_bytes(self.0)
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let mut seq = SeqDeserializer::<_, Self::Error>::new(self.0.iter().copied());
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple_struct map struct enum identifier ignored_any
    }
}
