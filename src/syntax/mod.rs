//! Syntax: text to syntax tree. The grammar is `grammar/hld.pest`; the
//! splitter (`split`) cuts a file into declarations so one error does not hide
//! the rest; `lexical` reads numbers and units; `parse` builds the [`ast`].
//! `cst` keeps what the grammar drops (comments, blank lines) for the tools
//! that rewrite a file, and `fmt` prints its canonical layout.
//!
//! This layer knows nothing of the model: it does not know which kinds or
//! properties exist, only how declarations are written.

pub mod ast;
pub mod cst;
pub mod fmt;
pub mod lexical;
pub mod parse;
pub mod split;

pub use parse::{Parsed, SyntaxError, parse, parse_on};
