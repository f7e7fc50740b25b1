//! Source text and spans: every value a user wrote keeps the file and byte range it came from,
//! so that any error about it can point at it (file:line:col and a code frame).
//!
//! Pipeline files, the files they `extends`, and the `--set` arguments of a command line are all
//! sources in one [`SourceMap`]; a [`Span`] names one of them by [`FileId`].

use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a source in a [`SourceMap`].
pub type FileId = usize;

/// A byte range in one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

/// A value together with where it was written.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// One source: a name to show (a path, or `--set`), where it lives on disk (if it does), and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: String,
}

/// All sources of one pipeline load.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    pub fn add(&mut self, name: String, path: Option<PathBuf>, text: String) -> FileId {
        self.sources.push(Source { name, path, text });
        self.sources.len() - 1
    }

    pub fn get(&self, id: FileId) -> &Source {
        &self.sources[id]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Source)> {
        self.sources.iter().enumerate()
    }

    /// The directory relative paths written in this source are resolved against: the directory of
    /// the file, or the working directory for command-line sources.
    pub fn base_dir(&self, id: FileId) -> PathBuf {
        match &self.sources[id].path {
            Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => PathBuf::from("."),
        }
    }

    /// 1-based line and column of a byte offset, for messages that are not code frames.
    pub fn line_col(&self, span: &Span) -> (usize, usize) {
        let text = &self.sources[span.file].text;
        let upto = &text[..span.range.start.min(text.len())];
        let line = upto.matches('\n').count() + 1;
        let col = upto.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}
