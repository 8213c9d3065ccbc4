//! Errors the user can act on. Every input problem carries the file and, where known, the line.

use std::fmt;

/// A problem with the input or the options: the CLI maps it to exit code 2 and writes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl InputError {
    pub fn at(file: &str, line: usize, col: usize, message: impl Into<String>) -> Self {
        InputError { file: file.to_string(), line: Some(line), col: Some(col), message: message.into(), hint: None }
    }
    pub fn whole(file: &str, message: impl Into<String>) -> Self {
        InputError { file: file.to_string(), line: None, col: None, message: message.into(), hint: None }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.col) {
            (Some(l), Some(c)) => write!(f, "{}:{}:{}: {}", self.file, l, c, self.message)?,
            (Some(l), None) => write!(f, "{}:{}: {}", self.file, l, self.message)?,
            _ => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("{0}")]
    Tool(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
    /// Exit code: 2 for anything the user must fix in input or options, 3 for environment failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Usage(_) => 2,
            Error::Io { .. } | Error::Tool(_) => 3,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
