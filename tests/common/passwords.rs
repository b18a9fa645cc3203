//! Generated passwords for tests, from a seeded generator (splitmix64) so a
//! failure names the same value again: shared by the unit tests (src/lib.rs),
//! tests/integration and tests/conformance.rs.
#![allow(dead_code)]

/// The characters of Secrets Manager's `GetRandomPassword` with its
/// defaults, by kind (each kind is present in a generated password).
pub(crate) const KINDS: [&str; 4] = [
    "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
];

/// A seeded generator.
pub(crate) struct Seeded(u64);

impl Seeded {
    pub(crate) fn new(seed: u64) -> Seeded {
        Seeded(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A password as `GetRandomPassword` makes one with its defaults: `len`
    /// characters of letters, digits and ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``,
    /// each kind present (`RequireEachIncludedType`).
    pub(crate) fn password(&mut self, len: usize) -> String {
        let all: Vec<char> = KINDS.concat().chars().collect();
        loop {
            let pw: String = (0..len).map(|_| all[self.below(all.len())]).collect();
            if KINDS.iter().all(|k| pw.contains(|c| k.contains(c))) {
                return pw;
            }
        }
    }

    /// `n` passwords of `len` characters.
    pub(crate) fn passwords(&mut self, n: usize, len: usize) -> Vec<String> {
        (0..n).map(|_| self.password(len)).collect()
    }
}
