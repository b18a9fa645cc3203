//! Integration tests: the built binary against a real moto server, its files
//! read back by the programs that consume them.

mod conformance;
mod exec;
mod faults;
mod fetching;
mod files;
mod hardening;
mod leaks;
mod support;
mod write;
