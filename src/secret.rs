//! The secret value type: its `Debug` and `Display` print `***`, so a value can
//! only reach output through an explicit `expose()`.

use std::fmt;

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
    pub fn expose(&self) -> &str {
        &self.0
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?} {:?}", vec![s.clone()]), "*** *** [***]");
        assert_eq!(s.expose(), "hunter2");
    }
}
