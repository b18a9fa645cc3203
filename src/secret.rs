//! The secret value types: their `Debug` and `Display` print `***`, so a value
//! can only reach output through an explicit `expose()`, and their buffers are
//! zeroed when dropped. Also the two records values travel in: an [`Item`] as
//! AWS returned it, a [`Variable`] as it will be written, whose [`Value`] is a
//! text or a file of its own.

use std::fmt;
use zeroize::Zeroize;

/// A secret value. Reading it takes a deliberate `expose()` call, which is easy
/// to audit: only the mask, render and write paths call it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself. Call only where the value is meant to go: an encoder,
    /// the mask list, the environment of a child process.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A `SecretBinary` value.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        SecretBytes(bytes.into())
    }

    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Its text, when it is UTF-8 and not blank: what a later step printing
    /// the file or the decoded base64 would show, so masks cover it too.
    #[must_use]
    pub fn text(&self) -> Option<Secret> {
        let text = std::str::from_utf8(&self.0).ok()?;
        (!text.trim().is_empty()).then(|| Secret::new(text))
    }

    /// Standard base64 with padding (RFC 4648 §4).
    #[must_use]
    pub fn to_base64(&self) -> Secret {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::with_capacity(self.0.len().div_ceil(3) * 4);
        for chunk in self.0.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> shift & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        Secret(out)
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One value as AWS returned it, with the name AWS gave it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The secret's name, or the parameter's full name.
    pub name: String,
    /// The `SecretString` or parameter value (empty for a `SecretBinary`).
    pub value: Secret,
    /// The `SecretBinary`, for a secret stored as bytes.
    pub binary: Option<SecretBytes>,
}

/// What a variable holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A text value: the `SecretString`, the parameter, a JSON key's value,
    /// or a `SecretBinary` as base64.
    Text(Secret),
    /// With `--binary-dir`: a `SecretBinary` written to a file of its own;
    /// the variable holds the file's (absolute) path, which is not a secret.
    File {
        /// The path, as the variable holds it.
        path: Secret,
        /// The bytes to write there.
        bytes: SecretBytes,
    },
}

impl Value {
    /// What the variable is set to: the text, or the file's path. Call only
    /// where the value is meant to go (see [`Secret::expose`]).
    #[must_use]
    pub fn expose(&self) -> &str {
        match self {
            Value::Text(text) => text.expose(),
            Value::File { path, .. } => path.expose(),
        }
    }

    /// The text, which the masks cover; `None` for a file's path.
    #[must_use]
    pub fn text(&self) -> Option<&Secret> {
        match self {
            Value::Text(text) => Some(text),
            Value::File { .. } => None,
        }
    }
}

/// One variable to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub value: Value,
    /// Where it came from, for messages and the job summary: the secret id and,
    /// for a JSON secret, the key path. Never the value.
    pub source: String,
    /// For a `SecretBinary` that is UTF-8 text: that text, which the masks
    /// cover besides the value (the base64; a file's path is not masked).
    pub binary_text: Option<Secret>,
}

impl Variable {
    /// A variable holding a text value (no `SecretBinary` behind it).
    #[must_use]
    pub fn new(name: impl Into<String>, value: Secret, source: impl Into<String>) -> Self {
        Variable {
            name: name.into(),
            value: Value::Text(value),
            source: source.into(),
            binary_text: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?} {:?}", vec![s.clone()]), "*** *** [***]");
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{:?}", SecretBytes::new(*b"x")), "***");
    }

    /// A `--binary-dir` value is set to its file's path, which is not masked;
    /// a text value is both what is set and what is masked.
    #[test]
    fn a_file_value_is_set_to_its_path_and_has_no_text_to_mask() {
        let file = Value::File {
            path: Secret::new("/run/bin/KEY"),
            bytes: SecretBytes::new(*b"\x00\x01"),
        };
        assert_eq!((file.expose(), file.text()), ("/run/bin/KEY", None));
        let text = Variable::new("K", Secret::new("v"), "secret `s`").value;
        assert_eq!((text.expose(), text.text()), ("v", Some(&Secret::new("v"))));
        assert_ne!(
            file,
            Value::File {
                path: Secret::new("/run/bin/KEY"),
                bytes: SecretBytes::new(*b"\x00\x02"),
            }
        );
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                SecretBytes::new(plain.as_bytes()).to_base64().expose(),
                encoded
            );
        }
        assert_eq!(
            SecretBytes::new([0xff, 0xfe, 0x00]).to_base64().expose(),
            "//4A"
        );
    }
}
