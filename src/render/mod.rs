//! Rendering: variables into the bytes of one output format. Each encoder
//! either writes a value so its consumers read back exactly those bytes, or
//! refuses it — naming the key and the reason, never the value. Adding a
//! format: a file beside this one, a [`Format`] variant (`format.rs`), and
//! its arm in `Format::encoder` (`encode.rs`).

mod base;
mod current;
mod docker;
mod dotenv;
mod encode;
mod format;
mod github_env;
mod json;
mod shell;
mod systemd;
mod yaml;

pub use base::{APPENDED, EnvFile, LineError, has_grammar};
pub use current::{Written, comparable};
pub use dotenv::Reader;
pub use encode::render;
pub use format::{Format, Refusal, has_noncharacter};
