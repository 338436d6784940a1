//! A small, defensive msgpack decoder (docs/FORMAT.md 7.3).
//!
//! hashicorp/raft encodes its `Log` entries (and `Configuration`s) with
//! go-msgpack's default `MsgpackHandle`: the old "raw" spec, where byte
//! slices and strings both use the str family (`a0-bf`, `da`, `db`). This
//! decoder accepts the whole current spec (str and bin families, every
//! integer width, ext, floats) so it also reads anything a newer codec might
//! write. Every length is checked against the bytes that remain before
//! anything is allocated, and nesting is capped, so hostile input can only
//! produce an error.

use std::fmt;

/// Deepest nesting accepted (Raft entries use 3 levels).
pub const MAX_DEPTH: usize = 32;

/// A decoded msgpack value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    /// Any unsigned integer, and non-negative signed ones.
    Uint(u64),
    /// Negative integers.
    Int(i64),
    Float(f64),
    /// str or bin family: raw bytes (Go does not validate UTF-8).
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// Key/value pairs in encoded order.
    Map(Vec<(Value, Value)>),
    Ext(i8, Vec<u8>),
}

/// Why a buffer did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the decoded buffer.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "msgpack at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for DecodeError {}

impl Value {
    /// The value of an unsigned (or non-negative) integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Uint(v) => Some(*v),
            _ => None,
        }
    }

    /// The bytes of a str/bin value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Looks up a map entry whose key is the string `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_bytes() == Some(key.as_bytes()))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Decodes exactly one value that must fill the whole buffer.
pub fn decode(buf: &[u8]) -> Result<Value, DecodeError> {
    let mut d = Decoder { buf, pos: 0 };
    let v = d.value(0)?;
    if d.pos != buf.len() {
        return Err(d.err(format!(
            "{} trailing byte(s) after the value",
            buf.len() - d.pos
        )));
    }
    Ok(v)
}

/// Decodes one value from the start of `buf`; returns it and the number of
/// bytes it used.
pub fn decode_prefix(buf: &[u8]) -> Result<(Value, usize), DecodeError> {
    let mut d = Decoder { buf, pos: 0 };
    let v = d.value(0)?;
    Ok((v, d.pos))
}

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn err(&self, message: impl Into<String>) -> DecodeError {
        DecodeError {
            offset: self.pos,
            message: message.into(),
        }
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.err(format!(
                "needs {n} byte(s) but only {} remain",
                self.remaining()
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    fn be(&mut self, n: usize) -> Result<u64, DecodeError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn len(&mut self, n: usize) -> Result<usize, DecodeError> {
        let v = self.be(n)?;
        usize::try_from(v).map_err(|_| self.err("length does not fit in memory"))
    }

    fn bytes(&mut self, n: usize) -> Result<Value, DecodeError> {
        Ok(Value::Bytes(self.take(n)?.to_vec()))
    }

    fn ext(&mut self, n: usize) -> Result<Value, DecodeError> {
        let t = self.u8()? as i8;
        Ok(Value::Ext(t, self.take(n)?.to_vec()))
    }

    fn array(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        // Every element takes at least one byte.
        if n > self.remaining() {
            return Err(self.err(format!(
                "array of {n} element(s) but only {} byte(s) remain",
                self.remaining()
            )));
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(out))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, DecodeError> {
        if n.saturating_mul(2) > self.remaining() {
            return Err(self.err(format!(
                "map of {n} entries but only {} byte(s) remain",
                self.remaining()
            )));
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            let v = self.value(depth + 1)?;
            out.push((k, v));
        }
        Ok(Value::Map(out))
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let start = self.pos;
        let b = self.u8()?;
        let v = match b {
            0x00..=0x7f => Value::Uint(u64::from(b)),
            0x80..=0x8f => self.map(usize::from(b & 0x0f), depth)?,
            0x90..=0x9f => self.array(usize::from(b & 0x0f), depth)?,
            0xa0..=0xbf => self.bytes(usize::from(b & 0x1f))?,
            0xc0 => Value::Nil,
            0xc1 => {
                self.pos = start;
                return Err(self.err("reserved type byte 0xc1"));
            }
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            // bin 8/16/32 and str 8/16/32: bytes after their length.
            0xc4 | 0xd9 => self.len(1).and_then(|n| self.bytes(n))?,
            0xc5 | 0xda => self.len(2).and_then(|n| self.bytes(n))?,
            0xc6 | 0xdb => self.len(4).and_then(|n| self.bytes(n))?,
            0xc7 => self.len(1).and_then(|n| self.ext(n))?,
            0xc8 => self.len(2).and_then(|n| self.ext(n))?,
            0xc9 => self.len(4).and_then(|n| self.ext(n))?,
            0xca => Value::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => Value::Float(f64::from_bits(self.be(8)?)),
            0xcc => Value::Uint(self.be(1)?),
            0xcd => Value::Uint(self.be(2)?),
            0xce => Value::Uint(self.be(4)?),
            0xcf => Value::Uint(self.be(8)?),
            0xd0 => int(i64::from(self.be(1)? as u8 as i8)),
            0xd1 => int(i64::from(self.be(2)? as u16 as i16)),
            0xd2 => int(i64::from(self.be(4)? as u32 as i32)),
            0xd3 => int(self.be(8)? as i64),
            0xd4 => self.ext(1)?,
            0xd5 => self.ext(2)?,
            0xd6 => self.ext(4)?,
            0xd7 => self.ext(8)?,
            0xd8 => self.ext(16)?,
            0xdc => self.len(2).and_then(|n| self.array(n, depth))?,
            0xdd => self.len(4).and_then(|n| self.array(n, depth))?,
            0xde => self.len(2).and_then(|n| self.map(n, depth))?,
            0xdf => self.len(4).and_then(|n| self.map(n, depth))?,
            0xe0..=0xff => Value::Int(i64::from(b as i8)),
        };
        Ok(v)
    }
}

fn int(v: i64) -> Value {
    if v >= 0 {
        Value::Uint(v as u64)
    } else {
        Value::Int(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each length-prefixed type reads a length of its own width (1, 2
    /// or 4 bytes, big-endian), then that many elements.
    #[test]
    fn length_prefixed_types_read_their_length_width() {
        let with_len = |code: u8, width: usize, rest: &[u8]| {
            let mut b = vec![code];
            b.extend_from_slice(&1u32.to_be_bytes()[4 - width..]);
            b.extend_from_slice(rest);
            decode(&b)
        };
        for (code, width) in [
            (0xc4, 1),
            (0xc5, 2),
            (0xc6, 4),
            (0xd9, 1),
            (0xda, 2),
            (0xdb, 4),
        ] {
            let v = with_len(code, width, b"x");
            assert_eq!(v.ok(), Some(Value::Bytes(b"x".to_vec())), "{code:#x}");
        }
        for (code, width) in [(0xc7, 1), (0xc8, 2), (0xc9, 4)] {
            let v = with_len(code, width, &[7, b'x']);
            assert_eq!(v.ok(), Some(Value::Ext(7, b"x".to_vec())), "{code:#x}");
        }
        for (code, width) in [(0xdc, 2), (0xdd, 4)] {
            let v = with_len(code, width, &[5]);
            assert_eq!(
                v.ok(),
                Some(Value::Array(vec![Value::Uint(5)])),
                "{code:#x}"
            );
        }
        for (code, width) in [(0xde, 2), (0xdf, 4)] {
            let v = with_len(code, width, &[1, 2]);
            let entry = (Value::Uint(1), Value::Uint(2));
            assert_eq!(v.ok(), Some(Value::Map(vec![entry])), "{code:#x}");
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(decode(&[0x05]).unwrap(), Value::Uint(5));
        assert_eq!(decode(&[0xcd, 0x20, 0x94]).unwrap(), Value::Uint(8340));
        assert_eq!(decode(&[0xd0, 0xff]).unwrap(), Value::Int(-1));
        assert_eq!(decode(&[0xd0, 0x05]).unwrap(), Value::Uint(5));
        assert_eq!(decode(&[0xff]).unwrap(), Value::Int(-1));
        assert_eq!(decode(&[0xc0]).unwrap(), Value::Nil);
        assert_eq!(
            decode(&[0xa2, b'h', b'i']).unwrap(),
            Value::Bytes(b"hi".to_vec())
        );
        assert_eq!(
            decode(&[0xc4, 0x02, 1, 2]).unwrap(),
            Value::Bytes(vec![1, 2])
        );
        assert_eq!(
            decode(&[0xd9, 0x01, b'x']).unwrap(),
            Value::Bytes(b"x".to_vec())
        );
    }

    #[test]
    fn hostile_lengths_are_errors() {
        // str32 claiming 4 GiB.
        assert!(decode(&[0xdb, 0xff, 0xff, 0xff, 0xff, 0x00]).is_err());
        // array32 claiming 4G elements.
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        // map32 claiming 4G entries.
        assert!(decode(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0, 0]).is_err());
        assert!(decode(&[0xc1]).is_err());
        assert!(decode(&[]).is_err());
        assert!(decode(&[0x01, 0x02]).is_err());
        // Deep nesting.
        let deep = vec![0x91u8; 1000];
        assert!(decode(&deep).is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let buf = [
            0x82, 0xa1, b'a', 0x92, 0xcf, 0, 0, 0, 0, 0, 0, 0, 1, 0xc3, 0xa1, b'b', 0xd7, 0xff, 1,
            2, 3, 4, 5, 6, 7, 8,
        ];
        assert!(decode(&buf).is_ok());
        for n in 0..buf.len() {
            assert!(decode(&buf[..n]).is_err(), "prefix {n}");
        }
    }
}
