//! Integration tests: the built binary against a real moto server, its files
//! read back by the programs that consume them.

mod base;
mod exec;
mod faults;
mod fetching;
mod files;
mod hardening;
mod leaks;
mod logs;
mod messages;
mod support;
mod takeover;
mod watch;
mod write;
