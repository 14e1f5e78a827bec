//! Positions and addresses as the protocol writes them: a line and a
//! character offset (UTF-16 code units unless the client takes UTF-8), and
//! `file://` URIs with percent-encoding.

use std::path::{Path, PathBuf};

use crate::source::next_line_starts;

/// How the client counts characters in a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// Positions in one text: its line starts, found once (at LF, CRLF or a
/// lone CR: `source::next_line_starts`, the one convention of hld and of the
/// protocol).
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> LineIndex<'t> {
        let mut starts = vec![0];
        starts.extend(next_line_starts(text));
        LineIndex { text, starts, encoding }
    }

    /// `(line, character)` of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let text = self.text;
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|start| *start <= offset).saturating_sub(1);
        let line_start = self.starts[line];
        // An offset inside a CRLF pair is at the end of its line.
        let column = &text[line_start..offset.max(line_start)];
        let column = &column[..column.find(['\n', '\r']).unwrap_or(column.len())];
        let character = match self.encoding {
            Encoding::Utf8 => column.len(),
            Encoding::Utf16 => column.encode_utf16().count(),
        };
        (clamp(line), clamp(character))
    }

    /// The byte offset of `(line, character)`, clamped to the line's end
    /// (and the text's end), never inside a character.
    pub fn offset(&self, line: u32, character: u32) -> usize {
        let Some(&start) = self.starts.get(line as usize) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let line_text = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
        let mut units = 0usize;
        for (idx, ch) in line_text.char_indices() {
            units += match self.encoding {
                Encoding::Utf8 => ch.len_utf8(),
                Encoding::Utf16 => ch.len_utf16(),
            };
            // At the character, or inside it (half a surrogate pair): its start.
            if units > character as usize {
                return start + idx;
            }
        }
        start + line_text.len()
    }

    /// A protocol range `{start, end}` of a byte range.
    pub fn range(&self, start: usize, end: usize) -> serde_json::Value {
        let (start_line, start_character) = self.position(start);
        let (end_line, end_character) = self.position(end);
        serde_json::json!({
            "start": { "line": start_line, "character": start_character },
            "end": { "line": end_line, "character": end_character },
        })
    }
}

/// `(line, character)` of a byte offset (one lookup: a [`LineIndex`]
/// serves many).
pub fn position(text: &str, offset: usize, encoding: Encoding) -> (u32, u32) {
    LineIndex::new(text, encoding).position(offset)
}

/// The byte offset of `(line, character)` (one lookup).
pub fn offset(text: &str, line: u32, character: u32, encoding: Encoding) -> usize {
    LineIndex::new(text, encoding).offset(line, character)
}

/// A protocol range of a byte range (one lookup).
pub fn range(text: &str, start: usize, end: usize, encoding: Encoding) -> serde_json::Value {
    LineIndex::new(text, encoding).range(start, end)
}

fn clamp(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The file a `file://` URI names, or `None` for any other scheme.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path`: only the local host is a file here.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        let byte = bytes[idx];
        let hex = |at: usize| bytes.get(at).and_then(|digit| (*digit as char).to_digit(16));
        match (byte, hex(idx + 1), hex(idx + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                idx += 3;
            }
            _ => {
                decoded.push(byte);
                idx += 1;
            }
        }
    }
    String::from_utf8(decoded).ok().map(PathBuf::from)
}

/// The `file://` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_unless_told_otherwise() {
        let text = "ab\né😀x\n";
        let x = text.find('x').unwrap();
        assert_eq!(position(text, x, Encoding::Utf16), (1, 3));
        assert_eq!(position(text, x, Encoding::Utf8), (1, 6));
        assert_eq!(offset(text, 1, 3, Encoding::Utf16), x);
        assert_eq!(offset(text, 1, 6, Encoding::Utf8), x);
        // Past the line's end: its end; past the text: the text's end.
        assert_eq!(offset(text, 0, 99, Encoding::Utf16), 2);
        assert_eq!(offset(text, 9, 0, Encoding::Utf16), text.len());
        // Inside a surrogate pair: the character's start.
        assert_eq!(offset(text, 1, 2, Encoding::Utf16), text.find('😀').unwrap());
    }

    #[test]
    fn every_line_break_counts() {
        let text = "a\rbc\r\nd\ne";
        assert_eq!(position(text, text.find('c').unwrap(), Encoding::Utf16), (1, 1));
        assert_eq!(position(text, text.find('d').unwrap(), Encoding::Utf16), (2, 0));
        assert_eq!(position(text, text.find('e').unwrap(), Encoding::Utf16), (3, 0));
        assert_eq!(position(text, text.len(), Encoding::Utf16), (3, 1));
        assert_eq!(offset(text, 1, 1, Encoding::Utf16), text.find('c').unwrap());
        assert_eq!(offset(text, 1, 9, Encoding::Utf16), text.find("\r\n").unwrap());
        assert_eq!(offset(text, 3, 0, Encoding::Utf16), text.find('e').unwrap());
    }

    #[test]
    fn uris_round_trip() {
        let path = Path::new("/tmp/my designs/shop#1.hld");
        let uri = path_to_uri(path);
        assert_eq!(uri, "file:///tmp/my%20designs/shop%231.hld");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file:///a%2"), Some(PathBuf::from("/a%2")));
    }
}
