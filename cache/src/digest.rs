//! [`Digest`]: a blake3 hash, the currency of the cache (keys and content hashes alike).
//!
//! A digest prints, parses and serialises as 64 lowercase hexadecimal digits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::CacheError;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A 32-byte blake3 digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The blake3 digest of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Digest {
        Digest::from_hash(blake3::hash(bytes))
    }

    /// Wraps a finished blake3 hash.
    pub fn from_hash(hash: blake3::Hash) -> Digest {
        Digest(*hash.as_bytes())
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The first 12 hex digits, for messages and node listings.
    pub fn short(&self) -> String {
        let mut hex = self.to_string();
        hex.truncate(12);
        hex
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; 64];
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = HEX[usize::from(byte >> 4)];
            out[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
        }
        // Only ASCII hex digits were written.
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Digest {
    type Err = CacheError;

    /// Parses 64 hex digits (either case).
    fn from_str(text: &str) -> Result<Digest, CacheError> {
        let invalid = || CacheError::InvalidDigest {
            text: text.to_string(),
        };
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(invalid());
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let high = hex_value(pair[0]).ok_or_else(invalid)?;
            let low = hex_value(pair[1]).ok_or_else(invalid)?;
            out[i] = (high << 4) | low;
        }
        Ok(Digest(out))
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Digest, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_round_trips_through_hex_and_json() {
        let digest = Digest::of_bytes(b"flow");
        let hex = digest.to_string();
        assert_eq!(hex.len(), 64);
        assert_eq!(hex, blake3::hash(b"flow").to_hex().as_str());
        assert_eq!(format!("{digest:?}"), hex);
        assert_eq!(hex.parse::<Digest>().unwrap(), digest);
        assert_eq!(hex.to_uppercase().parse::<Digest>().unwrap(), digest);
        assert_eq!(digest.short(), hex[..12]);

        let json = serde_json::to_string(&digest).unwrap();
        assert_eq!(json, format!("\"{hex}\""));
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), digest);
    }

    #[test]
    fn digest_parsing_rejects_wrong_length_and_non_hex() {
        assert!("abc".parse::<Digest>().is_err());
        assert!("g".repeat(64).parse::<Digest>().is_err());
        assert!(serde_json::from_str::<Digest>("\"00\"").is_err());
    }
}
