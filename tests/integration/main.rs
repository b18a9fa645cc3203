//! Integration tests: the built binary against a real moto server, its files
//! read back by the programs that consume them. Unix only: the harness runs
//! moto from `.venv/bin` and reads files back with bash and other Unix
//! programs (on Windows this test crate is empty).
#![cfg(unix)]

mod base;
mod declared;
mod dropin;
mod exec;
mod failover;
mod faults;
mod fetching;
mod files;
mod hardening;
mod leaks;
mod logs;
mod messages;
#[path = "../common/passwords.rs"]
mod passwords;
mod role;
mod support;
mod takeover;
#[cfg(target_os = "linux")]
mod watch;
mod write;
