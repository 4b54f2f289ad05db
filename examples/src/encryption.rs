//! A payload codec that encrypts every payload with AES-256-GCM, with key rotation.
//!
//! The format is the one of Temporal's encryption samples for Python, Go and TypeScript, so a
//! client or worker in those languages with the same key reads what this codec writes, and the
//! other way round:
//!
//! - metadata `encoding` = `binary/encrypted`, `encryption-key-id` = the key's id;
//! - data = a random 12-byte nonce, then the AES-GCM ciphertext (with its tag) of the original
//!   payload's protobuf encoding, metadata included, so even the `json/plain` encoding is
//!   hidden.
//!
//! Rotation: the codec encrypts with its current key and decrypts with any key it knows by id,
//! so payloads written under an older key stay readable after the current key changes. Keep
//! retired keys until no open workflow, and no history you may replay, still holds payloads
//! written with them.

use std::collections::BTreeMap;

use aes_gcm::{
    Aes256Gcm, Key, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use workflow_runtime::{
    codec::{self, CodecError, PayloadCodec},
    payload::Payload,
};

const ENCODING: &str = "encoding";
const ENCRYPTED: &[u8] = b"binary/encrypted";
const KEY_ID: &str = "encryption-key-id";
const NONCE_LEN: usize = 12;

/// Encrypts payloads with its current key; decrypts with any key it holds.
///
/// ```
/// use examples::encryption::EncryptionCodec;
/// use workflow_runtime::ClientOptions;
///
/// // Load keys from a secret store in a real deployment; never from source code.
/// let codec = EncryptionCodec::new("2026-12", [7; 32]).with_retired_key("2026-11", [3; 32]);
/// let options = ClientOptions::new("127.0.0.1:7233").payload_codec(codec);
/// ```
#[derive(Clone)]
pub struct EncryptionCodec {
    current: String,
    keys: BTreeMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for EncryptionCodec {
    // Names the key ids only: key material never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptionCodec")
            .field("current", &self.current)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl EncryptionCodec {
    /// A codec that encrypts with `key`, recorded in each payload under `key_id`.
    pub fn new(key_id: impl Into<String>, key: [u8; 32]) -> Self {
        let current = key_id.into();
        let keys = BTreeMap::from([(current.clone(), cipher(&key))]);
        Self { current, keys }
    }

    /// Also decrypts payloads written with an older key.
    pub fn with_retired_key(mut self, key_id: impl Into<String>, key: [u8; 32]) -> Self {
        self.keys
            .entry(key_id.into())
            .or_insert_with(|| cipher(&key));
        self
    }

    /// The id of the key new payloads are encrypted with.
    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    fn encrypt(&self, payload: &Payload) -> Result<Payload, CodecError> {
        let cipher = &self.keys[&self.current];
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = cipher
            .encrypt(&nonce, codec::to_bytes(payload).as_slice())
            .map_err(|_| CodecError::new("AES-GCM encryption failed"))?;
        let mut data = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&ciphertext);
        let mut encrypted = Payload {
            data,
            ..Payload::default()
        };
        encrypted
            .metadata
            .insert(ENCODING.to_owned(), ENCRYPTED.to_vec());
        encrypted
            .metadata
            .insert(KEY_ID.to_owned(), self.current.as_bytes().to_vec());
        Ok(encrypted)
    }

    fn decrypt(&self, payload: Payload) -> Result<Payload, CodecError> {
        if payload.metadata.get(ENCODING).map(Vec::as_slice) != Some(ENCRYPTED) {
            // Written without this codec (before it was installed, or by another client).
            return Ok(payload);
        }
        let key_id = payload
            .metadata
            .get(KEY_ID)
            .map(|id| String::from_utf8_lossy(id).into_owned())
            .unwrap_or_default();
        let Some(cipher) = self.keys.get(&key_id) else {
            return Err(CodecError::new(format!(
                "no key `{key_id}` to decrypt a payload with (known keys: {}); add it with `with_retired_key`",
                self.keys.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        };
        if payload.data.len() < NONCE_LEN {
            return Err(CodecError::new(
                "an encrypted payload is shorter than its nonce",
            ));
        }
        let (nonce, ciphertext) = payload.data.split_at(NONCE_LEN);
        let plaintext = cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| {
                CodecError::new(format!(
                    "a payload encrypted with key `{key_id}` does not decrypt: it was altered, or the key is not the one it was written with"
                ))
            })?;
        codec::from_bytes(&plaintext)
    }
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key))
}

impl PayloadCodec for EncryptionCodec {
    async fn encode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads
            .iter()
            .map(|payload| self.encrypt(payload))
            .collect()
    }

    async fn decode(&self, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        payloads
            .into_iter()
            .map(|payload| self.decrypt(payload))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use workflow_runtime::payload::{decode, encode};

    use super::*;

    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    #[test]
    fn round_trips_and_hides_the_value_and_its_encoding() {
        let codec = EncryptionCodec::new("k1", [1; 32]);
        let plain = encode("4242 4242 4242 4242").expect("encode");
        let encrypted = run(codec.encode(vec![plain.clone()])).expect("encrypt");
        assert_eq!(encrypted[0].metadata[ENCODING], ENCRYPTED);
        assert_eq!(encrypted[0].metadata[KEY_ID], b"k1");
        let text = String::from_utf8_lossy(&encrypted[0].data);
        assert!(
            !text.contains("4242") && !text.contains("json/plain"),
            "{text}"
        );
        let decrypted = run(codec.decode(encrypted)).expect("decrypt");
        assert_eq!(decrypted, vec![plain]);
    }

    #[test]
    fn a_rotated_codec_reads_payloads_of_the_retired_key_and_writes_with_the_new_one() {
        let old = EncryptionCodec::new("2026-11", [3; 32]);
        let written_before = run(old.encode(vec![encode(&7).expect("encode")])).expect("encrypt");

        let rotated = EncryptionCodec::new("2026-12", [7; 32]).with_retired_key("2026-11", [3; 32]);
        let read = run(rotated.decode(written_before.clone())).expect("decrypt");
        assert_eq!(decode::<i32>(&read[0]).expect("decode"), 7);
        let written_after = run(rotated.encode(read)).expect("encrypt");
        assert_eq!(written_after[0].metadata[KEY_ID], b"2026-12");

        // A codec that dropped the retired key says which key is missing.
        let forgetful = EncryptionCodec::new("2026-12", [7; 32]);
        let error = run(forgetful.decode(written_before)).expect_err("the key is gone");
        assert!(error.to_string().contains("no key `2026-11`"), "{error}");
    }

    #[test]
    fn altered_ciphertext_is_refused_and_plain_payloads_pass_through() {
        let codec = EncryptionCodec::new("k1", [1; 32]);
        let mut encrypted = run(codec.encode(vec![encode(&1).expect("encode")])).expect("encrypt");
        let last = encrypted[0].data.len() - 1;
        encrypted[0].data[last] ^= 1;
        let error = run(codec.decode(encrypted)).expect_err("tampered");
        assert!(error.to_string().contains("does not decrypt"), "{error}");

        let plain = encode("written before the codec").expect("encode");
        assert_eq!(
            run(codec.decode(vec![plain.clone()])).expect("pass"),
            vec![plain]
        );
    }

    #[test]
    fn debug_names_key_ids_only() {
        let codec = EncryptionCodec::new("k1", [0xAB; 32]);
        let shown = format!("{codec:?}");
        assert_eq!(shown, r#"EncryptionCodec { current: "k1", keys: ["k1"] }"#);
    }
}
