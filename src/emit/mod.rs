//! Output formats. Each module renders data the earlier stages computed and
//! decides nothing: diagnostics (`human`, `json`, `sarif`, `github`), rule
//! documentation (`rule_docs`), the runnable stack (`compose`), diagrams
//! (`mermaid`, `dot`, `svg` with its layout `svg_layout`), figures (`estimate`, `what_if`) and the
//! walkthrough of `hld explain` (`explain`). `escape` decides which
//! characters of a design's text are never written as they are (controls,
//! bidi overrides) for every one of them.
//!
//! A template that fails to render is a bug in hld, never in the design:
//! the emitter returns a [`RenderError`] naming the template, and the CLI
//! reports it as an internal error (exit 2, nothing written), never as an
//! empty output.

pub mod compose;
pub mod design_json;
pub mod diagram;
pub mod diff;
pub mod dot;
pub mod escape;
pub mod estimate;
pub mod explain;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod mermaid;
pub mod rule_docs;
pub mod sarif;
pub mod sequence;
pub mod svg;
pub mod svg_layout;
pub mod what_if;

/// A template that failed to render (an internal error, not the design's).
#[derive(Debug)]
pub struct RenderError {
    /// The template's path under `templates/`.
    pub template: &'static str,
    pub message: String,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the template `{}` failed to render (an internal error in hld): {}",
            self.template, self.message
        )
    }
}

impl std::error::Error for RenderError {}

/// A template's text, or the error naming it.
pub fn rendered(template: &'static str, result: askama::Result<String>) -> Result<String, RenderError> {
    result.map_err(|error| RenderError {
        template,
        // One line: the CLI prints it as one.
        message: error.to_string().lines().collect::<Vec<_>>().join(" "),
    })
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use askama::Template;

    use super::*;

    /// A value whose formatting fails, as a template's would on a bug.
    struct Broken;

    impl fmt::Display for Broken {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    #[derive(Template)]
    #[template(source = "before {{ value }} after", ext = "txt")]
    struct Failing {
        value: Broken,
    }

    #[test]
    fn a_template_that_fails_to_render_is_an_error_naming_it() {
        let error = rendered("failing.txt", Failing { value: Broken }.render()).unwrap_err();
        assert_eq!(error.template, "failing.txt");
        let message = error.to_string();
        assert!(
            message.starts_with("the template `failing.txt` failed to render (an internal error in hld): "),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
        assert_eq!(rendered("ok.txt", Ok("text".to_string())).unwrap(), "text");
    }
}
