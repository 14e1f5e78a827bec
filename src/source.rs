//! Source files and byte spans: the one place that maps a byte offset to a
//! line and column.
//!
//! Every later stage refers to source text through a [`Span`] (a file id and a
//! byte range), never through the text itself, so diagnostics from any stage
//! can be rendered the same way. This module does no IO: the caller hands it
//! text that was already read.

use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One source file: its display name (the path as the user gave it, or
/// relative to the importing file) and its text.
///
/// Lines end at LF, CRLF or a lone CR, as the parser, miette and most
/// editors count them, so every output format gives a span the same line.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    line_starts: Vec<u32>,
    /// The text with every lone CR made an LF (same offsets), for renderers
    /// that end lines at LF; only for files that have a lone CR.
    lf_text: Option<Arc<str>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(next_line_starts(&text).map(clamp_u32));
        let bytes = text.as_bytes();
        let lone_cr = line_starts[1..].iter().any(|&start| bytes[start as usize - 1] == b'\r');
        let lf_text = lone_cr.then(|| {
            let bytes = text.as_bytes();
            let mut out = String::with_capacity(text.len());
            for (idx, ch) in text.char_indices() {
                let lone = ch == '\r' && bytes.get(idx + 1) != Some(&b'\n');
                out.push(if lone { '\n' } else { ch });
            }
            Arc::from(out)
        });
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            lf_text,
        }
    }

    /// The text with the same offsets and lines, every line ending in LF or
    /// CRLF (a lone CR made an LF), for renderers that know no lone CR.
    pub fn lf_text(&self) -> &str {
        self.lf_text.as_deref().unwrap_or(&self.text)
    }

    /// Byte offset where each line starts (the first is 0).
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// 0-based index of the line holding a byte offset.
    pub fn line_index(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(idx) => idx,
            Err(idx) => idx.saturating_sub(1),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = offset.min(clamp_u32(self.text.len()));
        let line_idx = self.line_index(offset);
        let line_start = self.line_starts.get(line_idx).copied().unwrap_or(0) as usize;
        let mut end = offset as usize;
        while end > line_start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self
            .text
            .get(line_start..end)
            .map_or(0, |prefix| prefix.chars().count());
        (line_idx + 1, column + 1)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Where every line but the first starts: after each LF, CRLF or lone CR
/// (a CR followed by LF ends its line at the LF). The one line-end
/// convention of hld: the parser's, miette's and most editors'.
pub fn next_line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter_map(move |(idx, &byte)| {
        let ends_line = byte == b'\n' || (byte == b'\r' && bytes.get(idx + 1) != Some(&b'\n'));
        ends_line.then_some(idx + 1)
    })
}

/// The byte offset where 1-based `line` starts, by [`next_line_starts`]; the
/// text's length when it has fewer lines.
pub fn offset_of_line(text: &str, line: usize) -> usize {
    match line.saturating_sub(1) {
        0 => 0,
        skip => next_line_starts(text).nth(skip - 1).unwrap_or(text.len()),
    }
}

/// Every file read for one compilation, in the order they were read.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(clamp_u32(self.files.len()));
        self.files.push(SourceFile::new(name, text));
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |file| file.name.as_str())
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(idx, file)| (FileId(clamp_u32(idx)), file))
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map_or("", |file| file.slice(span))
    }

    /// Line and column of the start and the end of a span, 1-based.
    pub fn location(&self, span: Span) -> Location {
        let Some(file) = self.get(span.file) else {
            return Location::default();
        };
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        Location {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let file = SourceFile::new("a.hld", "ab\nçd\r\nx");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        // `ç` is two bytes: the byte after it is the second character.
        assert_eq!(file.line_col(5), (2, 2));
        assert_eq!(file.line_col(8), (3, 1));
        assert_eq!(file.line_col(99), (3, 2));
    }

    /// A lone CR ends a line like LF and CRLF; CRLF is one line end.
    #[test]
    fn lone_cr_lf_and_crlf_each_end_a_line() {
        let file = SourceFile::new("a.hld", "a\rb\nc\r\nd\r\re");
        assert_eq!(file.line_starts(), &[0, 2, 4, 7, 9, 10]);
        assert_eq!(file.line_col(2), (2, 1));
        assert_eq!(file.line_col(5), (3, 2));
        assert_eq!(file.line_col(6), (3, 3));
        assert_eq!(file.line_col(7), (4, 1));
        assert_eq!(file.line_col(10), (6, 1));
        assert_eq!(file.lf_text(), "a\nb\nc\r\nd\n\ne");
        assert!(SourceFile::new("b.hld", "a\r\nb\n").lf_text.is_none());
        assert_eq!(offset_of_line("a\rb\nc\r\nd", 1), 0);
        assert_eq!(offset_of_line("a\rb\nc\r\nd", 3), 4);
        assert_eq!(offset_of_line("a\rb\nc\r\nd", 4), 7);
        assert_eq!(offset_of_line("a\rb\nc\r\nd", 9), 8);
    }
}
