//! What service calls settle: a request's items, or (for `exec --watch`)
//! where its values are, never the values.

use crate::error::Error;
use crate::secret::Item;
use std::collections::BTreeMap;

/// One request's outcome: its items, or why it failed.
pub(crate) type Outcome = Result<Vec<Item>, Error>;

/// Where the selected values are: `WHAT → VERSION`, one entry per secret or
/// parameter (each match of a wildcard or path its own), so a moved version
/// and an added or removed match both change the map. [`ABSENT`] marks a
/// secret or parameter that does not exist (an optional selector's).
#[cfg(target_os = "linux")]
pub(crate) type Versions = BTreeMap<String, String>;

/// The version of what does not exist.
#[cfg(target_os = "linux")]
pub(crate) const ABSENT: &str = "absent";

/// What one version check settles.
#[cfg(target_os = "linux")]
pub(crate) type Found = Result<Vec<(String, String)>, Error>;
