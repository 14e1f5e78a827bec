//! `hld init [--template NAME] [DIR]` and `hld init --list`: write a starter
//! design (`crate::init::TEMPLATES`) as DIR/NAME.hld.
//!
//! The file is new or nothing is written: an existing DIR/NAME.hld (even
//! one hld wrote, even a symbolic link) is refused with exit code 2, and
//! the contents appear whole or not at all (`output::create_new`). DIR is
//! created when missing.

use std::path::{Path, PathBuf};

use super::output::{self, CreateError};
use super::{Exit, stdio};
use crate::diagnostics::did_you_mean;
use crate::init::{self, DEFAULT, TEMPLATES, Template};

#[derive(clap::Args)]
pub struct InitArgs {
    /// The starter design to write (default: url-shortener; `--list` shows them all)
    #[arg(short, long, value_name = "NAME")]
    template: Option<String>,
    /// List the templates, one a line, and write nothing
    #[arg(long, conflicts_with_all = ["template", "dir"])]
    list: bool,
    /// Directory to write NAME.hld into, created when missing (default: the current directory)
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: &InitArgs) -> Exit {
    if args.list {
        stdio::out(&listing());
        return Exit::Ok;
    }
    let name = args.template.as_deref().unwrap_or(DEFAULT);
    let Some(template) = init::template(name) else {
        stdio::err(&unknown_template(name));
        return Exit::InputError;
    };
    let dir = args.dir.as_deref();
    match write(template, dir) {
        Ok(path) => {
            stdio::out(&written(template, &path, args.template.is_none()));
            Exit::Ok
        }
        Err(message) => {
            super::print_error(&message);
            Exit::InputError
        }
    }
}

/// `--list`: name and title, aligned, the default marked.
fn listing() -> String {
    let width = TEMPLATES.iter().map(|template| template.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for template in TEMPLATES {
        let default = if template.name == DEFAULT { "  [default]" } else { "" };
        text.push_str(&format!("{:width$}  {}{default}\n", template.name, template.title));
    }
    text
}

fn unknown_template(name: &str) -> String {
    let mut text = format!("error: unknown template `{name}`\n");
    if let Some(close) = suggestion(name) {
        text.push_str(&format!("  help: did you mean `{close}`?\n"));
    }
    text.push_str("  note: the templates are\n");
    for line in listing().lines() {
        text.push_str(&format!("    {line}\n"));
    }
    text
}

/// The template `name` was probably meant to be: a close full name, or one
/// with a word close to it in its name or title (`twiter` ->
/// `twitter-timeline`, `uber` -> `ride-sharing`).
fn suggestion(name: &str) -> Option<&'static str> {
    if let Some(close) = did_you_mean(name, init::names()) {
        return Some(close);
    }
    let words: Vec<(String, &'static str)> = TEMPLATES
        .iter()
        .flat_map(|template| {
            let title_words = template.title.split(|c: char| !c.is_ascii_alphanumeric());
            template
                .name
                .split('-')
                .chain(title_words)
                .filter(|word| word.len() >= 3)
                .map(|word| (word.to_ascii_lowercase(), template.name))
        })
        .collect();
    let lower = name.to_ascii_lowercase();
    // did_you_mean skips an exact match (`-t feed`), so look for one first.
    if let Some((_, template)) = words.iter().find(|(word, _)| *word == lower) {
        return Some(template);
    }
    let close = did_you_mean(&lower, words.iter().map(|(word, _)| word.as_str()))?;
    words
        .iter()
        .find(|(word, _)| word == close)
        .map(|(_, template)| *template)
}

/// Writes the template into `dir` (created when missing); returns the path
/// written, as the user will type it.
fn write(template: &Template, dir: Option<&Path>) -> Result<PathBuf, String> {
    let file_name = format!("{}.hld", template.name);
    let path = match dir {
        Some(dir) => {
            match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => return Err(format!("{} exists and is not a directory", dir.display())),
                Err(_) => std::fs::create_dir_all(dir)
                    .map_err(|error| format!("cannot create the directory {}: {error}", dir.display()))?,
            }
            dir.join(&file_name)
        }
        None => PathBuf::from(&file_name),
    };
    match output::create_new(&path, template.text.as_bytes()) {
        Ok(()) => Ok(path),
        Err(CreateError::Exists) => Err(format!(
            "{} already exists; hld init never replaces a file (choose another directory, or move the file away)",
            path.display()
        )),
        Err(CreateError::Failed(message)) => Err(message),
    }
}

/// What was written, and the commands to run next.
fn written(template: &Template, path: &Path, by_default: bool) -> String {
    let shown = shell_quote(&path.to_string_lossy());
    let mut text = format!("wrote {}: {}\n", path.display(), template.title);
    text.push_str(&format!("  {}\n", template.description));
    if by_default {
        text.push_str("  (the default template; `hld init --list` shows the others)\n");
    }
    text.push('\n');
    text.push_str("next:\n");
    let commands = [
        (
            format!("hld check {shown}"),
            "the findings its Exercises explain, and how to fix them",
        ),
        (format!("hld diagram {shown}"), "a Mermaid flowchart of it"),
        (
            format!("hld estimate {shown}"),
            "latency, availability and load per flow",
        ),
        (format!("hld explain {shown}"), "the interview walkthrough"),
    ];
    let width = commands.iter().map(|(command, _)| command.len()).max().unwrap_or(0);
    for (command, what) in &commands {
        text.push_str(&format!("  {command:width$}  {what}\n"));
    }
    text
}

/// `path` as a POSIX shell word: as is when it needs no quoting.
fn shell_quote(path: &str) -> String {
    let plain = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '+' | ',' | ':' | '@'));
    if plain {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_is_aligned_and_marks_the_default() {
        let text = listing();
        assert_eq!(text.lines().count(), TEMPLATES.len());
        let columns: Vec<usize> = text
            .lines()
            .zip(TEMPLATES)
            .map(|(line, template)| line.find(template.title).unwrap())
            .collect();
        assert!(columns.windows(2).all(|pair| pair[0] == pair[1]), "{text}");
        assert!(text.contains(&format!("{DEFAULT} ")), "{text}");
        assert_eq!(text.matches("[default]").count(), 1);
    }

    #[test]
    fn unknown_names_get_a_suggestion_and_the_list() {
        let text = unknown_template("twitter");
        assert!(text.contains("did you mean `twitter-timeline`?"), "{text}");
        assert!(text.contains("    web-crawler "), "{text}");
        let text = unknown_template("zzzz");
        assert!(!text.contains("did you mean"), "{text}");
        assert_eq!(suggestion("twiter"), Some("twitter-timeline"));
        assert_eq!(suggestion("feed"), Some("news-feed"));
        assert_eq!(suggestion("url_shortener"), Some("url-shortener"));
        assert_eq!(suggestion("crawler"), Some("web-crawler"));
        assert_eq!(suggestion("uber"), Some("ride-sharing"));
        assert_eq!(suggestion("YouTube"), Some("video-streaming"));
    }

    #[test]
    fn paths_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_quote("designs/chat.hld"), "designs/chat.hld");
        assert_eq!(shell_quote("my designs/chat.hld"), "'my designs/chat.hld'");
        assert_eq!(shell_quote("it's/chat.hld"), "'it'\\''s/chat.hld'");
    }
}
