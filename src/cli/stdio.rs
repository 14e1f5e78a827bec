//! Standard output and standard error. Every byte the command line prints
//! goes through [`out`] or [`err`], which write, flush and check the result:
//! no write error passes silently (a full disk gave an empty file and exit
//! 0) and none panics (`print!` panics with "failed printing to stdout").
//!
//! The first failure is remembered and every later write is skipped, so a
//! failed run says so once; [`finish`] turns it into the exit code:
//!
//! - a closed pipe (`hld check d.hld | head -1`: EPIPE, since Rust ignores
//!   SIGPIPE) ends quietly with exit 0, as ripgrep does: the reader has
//!   what it wanted;
//! - any other error (`>/dev/full`, a full disk, EIO) is exit 2 with one line
//!   on standard error, when standard error can still be written.
//!
//! Commands check [`failed`] before they write output files, so a run that
//! already failed to print writes nothing more.

use std::fmt;
use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};

use super::Exit;

/// Which standard stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stream::Stdout => "standard output",
            Stream::Stderr => "standard error",
        })
    }
}

/// The first write that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Failure {
    /// The reader went away (EPIPE): end quietly.
    Closed,
    /// Any other error, as a sentence.
    Failed { stream: Stream, error: String },
}

static FAILURE: Mutex<Option<Failure>> = Mutex::new(None);

fn failure() -> std::sync::MutexGuard<'static, Option<Failure>> {
    FAILURE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes `text` to standard output and flushes it.
pub fn out(text: &str) {
    write(Stream::Stdout, text.as_bytes());
}

/// Writes `text` to standard error and flushes it.
pub fn err(text: &str) {
    write(Stream::Stderr, text.as_bytes());
}

/// Writes and flushes `bytes`, unless an earlier write failed; remembers
/// the error of this one.
pub fn write(stream: Stream, bytes: &[u8]) {
    let mut failure = failure();
    if failure.is_some() {
        return;
    }
    let result = match stream {
        Stream::Stdout => {
            let mut handle = io::stdout().lock();
            handle.write_all(bytes).and_then(|()| handle.flush())
        }
        Stream::Stderr => {
            let mut handle = io::stderr().lock();
            handle.write_all(bytes).and_then(|()| handle.flush())
        }
    };
    if let Err(error) = result {
        *failure = Some(classify(stream, &error));
    }
}

/// Remembers a write error that happened elsewhere (clap printing help),
/// unless one is already remembered.
pub fn record(stream: Stream, error: &io::Error) {
    let mut failure = failure();
    if failure.is_none() {
        *failure = Some(classify(stream, error));
    }
}

/// Flushes `stream` and remembers an error.
pub fn flush(stream: Stream) {
    let result = match stream {
        Stream::Stdout => io::stdout().lock().flush(),
        Stream::Stderr => io::stderr().lock().flush(),
    };
    if let Err(error) = result {
        record(stream, &error);
    }
}

fn classify(stream: Stream, error: &io::Error) -> Failure {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Failure::Closed
    } else {
        Failure::Failed {
            stream,
            error: describe(error),
        }
    }
}

/// `No space left on device`, without Rust's ` (os error 28)`.
fn describe(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// Whether a write to standard output or standard error has failed (a
/// closed pipe included): the run should stop writing.
pub fn failed() -> bool {
    failure().is_some()
}

/// The exit code of a run that would exit with `exit`: exit 0 after a closed
/// pipe, exit 2 after any other write error (said in one line on standard
/// error, if it can still be written), `exit` otherwise.
pub fn finish(exit: Exit) -> Exit {
    // Rust flushes standard output at exit and ignores the error there.
    flush(Stream::Stdout);
    let first = failure().take();
    match first {
        None => exit,
        Some(Failure::Closed) => Exit::Ok,
        Some(Failure::Failed { stream, error }) => {
            let line = format!("error: cannot write to {stream}: {error}\n");
            let _ = io::stderr().lock().write_all(line.as_bytes());
            Exit::InputError
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_and_other_errors_are_described() {
        let closed = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(classify(Stream::Stdout, &closed), Failure::Closed);
        let full = io::Error::from_raw_os_error(28);
        let Failure::Failed { stream, error } = classify(Stream::Stderr, &full) else {
            panic!("ENOSPC is a failure");
        };
        assert_eq!(stream, Stream::Stderr);
        assert!(!error.contains("os error"), "{error}");
        assert!(!error.is_empty());
        assert_eq!(describe(&io::Error::other("odd (case)")), "odd (case)");
    }
}
