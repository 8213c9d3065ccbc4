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

impl InputError {
    /// `file:line:col: message` (the first line of the error as printed).
    pub fn headline(&self) -> String {
        match (self.line, self.col) {
            (Some(l), Some(c)) => format!("{}:{}:{}: {}", self.file, l, c, self.message),
            (Some(l), None) => format!("{}:{}: {}", self.file, l, self.message),
            _ => format!("{}: {}", self.file, self.message),
        }
    }

    /// The offending line of `source` with a marker under the column (plain text, no colour).
    pub fn snippet(&self, source: &str) -> Option<String> {
        use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
        let line = self.line?;
        let text = source.split('\n').nth(line - 1)?;
        let text = text.trim_end_matches(['\n', '\r']);
        let col = self.col.unwrap_or(1).saturating_sub(1);
        let at = text.char_indices().nth(col).map(|(b, _)| b).unwrap_or(text.len());
        let end = text[at..].char_indices().nth(1).map(|(b, _)| at + b).unwrap_or(text.len()).max(at);
        let report = &[Level::ERROR.primary_title(self.message.as_str()).element(
            Snippet::source(text).line_start(line).path(self.file.as_str()).annotation(AnnotationKind::Primary.span(at..end.max(at))),
        )];
        Some(Renderer::plain().render(report).to_string())
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
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
