//! User-facing errors about what a user wrote: a message, the span it is about, optional
//! secondary spans and help lines, rendered as a code frame with `file:line:col`
//! (codespan-reporting). The whole pipeline layer reports through [`Diagnostic`]s so that no
//! serde or TOML message ever reaches a user without its location.

use codespan_reporting::diagnostic::{Diagnostic as Frame, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::Buffer};

use crate::source::{SourceMap, Span};

/// One problem in a pipeline, with where it is.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub message: String,
    pub primary: Option<(Span, String)>,
    pub secondary: Vec<(Span, String)>,
    pub help: Vec<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: Vec::new(),
        }
    }

    /// An error about the text at `span`, labelled `label`.
    pub fn at(span: &Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        Diagnostic::new(message).label(span, label)
    }

    pub fn label(mut self, span: &Span, label: impl Into<String>) -> Self {
        self.primary = Some((span.clone(), label.into()));
        self
    }

    pub fn also(mut self, span: &Span, label: impl Into<String>) -> Self {
        self.secondary.push((span.clone(), label.into()));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Adds "did you mean `x`?" when `suggestion` is some.
    pub fn suggest(self, suggestion: Option<&str>) -> Self {
        match suggestion {
            Some(s) => self.help(format!("did you mean `{s}`?")),
            None => self,
        }
    }

    /// Renders as text: `error: …`, then `┌─ file:line:col` and the code frame.
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        let mut files = SimpleFiles::new();
        let ids: Vec<usize> = sources
            .iter()
            .map(|(_, s)| files.add(s.name.clone(), s.text.clone()))
            .collect();
        let mut labels = Vec::new();
        if let Some((span, text)) = &self.primary {
            labels.push(Label::primary(ids[span.file], span.range.clone()).with_message(text));
        }
        for (span, text) in &self.secondary {
            labels.push(Label::secondary(ids[span.file], span.range.clone()).with_message(text));
        }
        let frame = Frame::error()
            .with_message(&self.message)
            .with_labels(labels)
            .with_notes(self.help.iter().map(|h| format!("help: {h}")).collect());
        let mut buffer = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        let config = term::Config::default();
        if term::emit_to_write_style(&mut buffer, &config, &files, &frame).is_err() {
            return format!("error: {}\n", self.message);
        }
        String::from_utf8_lossy(buffer.as_slice()).into_owned()
    }
}

/// Renders many diagnostics, one after another.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    diagnostics
        .iter()
        .map(|d| d.render(sources, color))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    if word.len() >= 3
        && let Some(c) = candidates
            .iter()
            .find(|c| c.starts_with(word) || (c.len() >= 3 && word.starts_with(**c)))
    {
        return Some(c);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < c.len().max(word.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
