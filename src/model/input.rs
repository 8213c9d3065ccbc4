//! What the model keeps of the input itself: positions and the template's parameters. They are
//! defined here, at the bottom, so that the model depends on no stage; `source` fills them in.

/// A place in the input: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A parameter of the OpenShift Template, as declared.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Default value (`value:`); OpenShift parameters are strings.
    pub value: Option<String>,
    pub required: bool,
    /// `generate: expression` with its `from` pattern.
    pub generate_from: Option<String>,
    pub pos: Pos,
}

impl Parameter {
    /// Required, and nothing (default or generator) supplies a value.
    pub fn needs_value(&self) -> bool {
        self.required && self.value.as_deref().unwrap_or("").is_empty() && self.generate_from.is_none()
    }
}

/// A parameter whose value the conversion had to fix (its default): it decides a name or a
/// values key computed at conversion time (the ClowdApp name, a shared database's app, a
/// switch that decides which objects exist). The chart pins the parameter to that value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub param: String,
    /// The value it is fixed to (the parameter's default).
    pub value: String,
    /// What it decides, for the report (`ClowdApp name`, `sharedDbAppName`...).
    pub what: String,
    /// The field that uses it.
    pub pos: Pos,
    /// A finding of its own already says it is pinned (a static switch).
    pub noted: bool,
}
