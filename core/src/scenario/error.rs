//! The error every refused scenario or input becomes: the JSON path of the field and the reason
//! (errors are values; nothing the user writes panics the model). A leaf module: `input` parses
//! its JSON with [`parse_json`] without depending on the scenario it belongs to.

use serde::Serialize;

/// A bad scenario (or input): the JSON path of the field and why it was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioError {
    /// JSON path of the offending field, e.g. `groups[0].session.timeout.ms`.
    pub path: String,
    /// Why it was refused.
    pub reason: String,
}

impl ScenarioError {
    /// Builds an error for `path`.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ScenarioError {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Deserializes JSON text, naming the JSON path (below `root`) of the first bad field.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    json: &str,
    root: &str,
) -> Result<T, ScenarioError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = match (e.path().to_string().as_str(), root) {
            (".", root) => root.to_string(),
            (p, "") => p.to_string(),
            // An array root: `inputs[1].input`, not `inputs.[1].input`.
            (p, root) if p.starts_with('[') => format!("{root}{p}"),
            (p, root) => format!("{root}.{p}"),
        };
        ScenarioError::new(path, e.into_inner().to_string())
    })
}
