//! The commands as functions of text: a design and the files it imports
//! held in memory, the CLI's output text out. No file system, no threads of
//! its own, no process exit: this is what the browser playground (`web/`)
//! calls through WebAssembly, and `hld check` reports through the same
//! [`diagnose`], so the page and the command line print the same JSON.

use std::path::{Path, PathBuf};

use crate::analysis::{self, Config};
use crate::diagnostics::{self, Diagnostic, codes, did_you_mean_help};
use crate::emit::{self, diagram::Highlights, human, json};
use crate::estimate::what_if::{Scenario, WhatIfEngine};
use crate::model::load::{self, Compilation, Input, Limits, MemoryLoader};
use crate::model::{ComponentId, Design};
use crate::source::SourceMap;

/// A design held in memory: its text, the files it may import, and its
/// configuration (the text of an `hld.yaml`).
pub struct Project {
    /// How the design is named in diagnostics; imports are relative to its
    /// directory, as on the command line.
    pub name: String,
    pub text: String,
    /// The files imports read, by path (relative paths are relative to the
    /// directory `name` is in, as `hld` run from the current directory
    /// would see them).
    pub files: MemoryLoader,
    /// The text of the design's `hld.yaml`, if it has one.
    pub config: Option<String>,
}

/// Why a command printed nothing: its input errors, rendered as the CLI
/// prints them on standard error (no colour).
#[derive(Debug)]
pub struct Failure {
    pub message: String,
}

/// Every file of `files`, by path, for [`Project::files`].
pub fn loader<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> MemoryLoader {
    let mut loader = MemoryLoader::default();
    for (path, text) in files {
        loader.files.insert(load::normalize(Path::new(path)), text.to_string());
    }
    loader
}

impl Project {
    /// A design with no imports and no configuration.
    pub fn new(name: &str, text: &str) -> Project {
        Project {
            name: name.to_string(),
            text: text.to_string(),
            files: MemoryLoader::default(),
            config: None,
        }
    }

    /// Compiles `text` as this project's design (its own text, or a fix's
    /// edited copy).
    fn compile(&self, text: &str) -> Compilation {
        let path = PathBuf::from(&self.name);
        let input = Input {
            name: self.name.clone(),
            key: Some(load::normalize(&path)),
            path: Some(path),
            bytes: text.as_bytes().to_vec(),
        };
        load::compile(input, &self.files, &Limits::default())
    }

    /// The configuration, or its errors with the source map they point into.
    fn load_config(&self) -> Result<Config, (SourceMap, Vec<Diagnostic>)> {
        let Some(text) = &self.config else {
            return Ok(Config::default());
        };
        let mut sources = SourceMap::new();
        let name = Path::new(&self.name)
            .parent()
            .map_or_else(|| PathBuf::from("hld.yaml"), |dir| dir.join("hld.yaml"));
        let file = sources.add(name.to_string_lossy().into_owned(), text.clone());
        Config::parse(file, text).map_err(|errors| (sources, errors))
    }

    /// `hld check --format json`: every diagnostic, fixes verified.
    pub fn check_json(&self) -> String {
        let compilation = self.compile(&self.text);
        let truncated = compilation.suppressed.iter().map(|(_, count)| count).sum();
        let (sources, all) = match compilation.design {
            None => (compilation.sources, compilation.diagnostics),
            Some(design) => match self.load_config() {
                Err((sources, errors)) => (sources, errors),
                Ok(config) => {
                    let recheck = |text: &str| crate::fix::recheck_findings(self.compile(text), &config);
                    let report = diagnose(
                        &design,
                        compilation.diagnostics,
                        &compilation.sources,
                        &config,
                        Some(&recheck),
                    );
                    (compilation.sources, report.diagnostics)
                }
            },
        };
        json::check_report(&[json::CheckedFile {
            name: &self.name,
            sources: &sources,
            diagnostics: &all,
            truncated,
        }])
    }

    /// The design when it compiles and its configuration and `allow` lists
    /// are valid (what every command but `check` needs), else the errors.
    fn validated(&self) -> Result<(Design, Compilation, Config), Failure> {
        let mut compilation = self.compile(&self.text);
        let Some(design) = compilation.design.take() else {
            return Err(failure(&compilation.diagnostics, &compilation.sources));
        };
        let config = self
            .load_config()
            .map_err(|(sources, errors)| failure(&errors, &sources))?;
        let errors = analysis::unknown_allowed_rules(&design);
        if !errors.is_empty() {
            return Err(failure(&errors, &compilation.sources));
        }
        Ok((design, compilation, config))
    }

    /// `hld estimate --format json`.
    pub fn estimate_json(&self) -> Result<String, Failure> {
        let (design, ..) = self.validated()?;
        let estimates = crate::estimate::estimate(&design, None);
        Ok(emit::estimate::json(&design, &estimates))
    }

    /// `hld diagram --format svg`, without the XML declaration when
    /// `embedded` (for an HTML page).
    pub fn diagram_svg(&self, embedded: bool) -> Result<String, Failure> {
        let (design, compilation, config) = self.validated()?;
        let too_big = |error: emit::svg::SvgError| {
            let code = match error {
                emit::svg::SvgError::TooLarge { .. } => codes::LIMIT_EXCEEDED,
                emit::svg::SvgError::Layout => codes::INTERNAL_ERROR,
            };
            let diagnostic = Diagnostic::error(code, error.to_string())
                .with_help("draw it with `hld diagram --format dot` and Graphviz");
            failure(&[diagnostic], &compilation.sources)
        };
        // Refused before the rules run, which would be wasted on it.
        emit::svg::check_size(&design).map_err(too_big)?;
        let findings = analysis::check(&design, &config).findings;
        let highlights = Highlights::from_findings(&design, &findings);
        let drawn = if embedded {
            emit::svg::element(&design, &highlights)
        } else {
            emit::svg::document(&design, &highlights)
        };
        drawn.map_err(too_big)
    }

    /// `hld what-if --fail ID,... --format json`.
    pub fn what_if_json(&self, fail: &[&str]) -> Result<String, Failure> {
        let (design, compilation, _) = self.validated()?;
        let (failed, mut errors) = failed_components(&design, fail);
        if failed.is_empty() && errors.is_empty() {
            errors.push(
                Diagnostic::error(codes::USAGE_ERROR, "nothing fails")
                    .with_help("name components with --fail ID[,ID...]"),
            );
        }
        if !errors.is_empty() {
            return Err(failure(&errors, &compilation.sources));
        }
        let what_if = WhatIfEngine::new(&design).run(&Scenario::fail(failed));
        Ok(emit::what_if::json(&design, &what_if))
    }
}

/// The components `--fail` names, and an error with a did-you-mean for each
/// name that is none (blank names are skipped).
pub fn failed_components(design: &Design, names: &[&str]) -> (Vec<ComponentId>, Vec<Diagnostic>) {
    let mut failed = Vec::new();
    let mut errors = Vec::new();
    for name in names.iter().map(|name| name.trim()).filter(|name| !name.is_empty()) {
        match design.component_id(name) {
            Some(id) => failed.push(id),
            None => {
                let help = did_you_mean_help(name, design.components.iter().map(|c| c.id.as_str()))
                    .unwrap_or_else(|| "`hld diagram FILE --format json` lists the components".to_string());
                errors.push(
                    Diagnostic::error(
                        codes::UNKNOWN_REFERENCE,
                        format!("unknown component `{name}` in --fail"),
                    )
                    .with_help(help),
                );
            }
        }
    }
    (failed, errors)
}

/// Diagnostics rendered as `hld` prints them on standard error, no colour.
fn failure(diagnostics: &[Diagnostic], sources: &SourceMap) -> Failure {
    let message = diagnostics
        .iter()
        .map(|diagnostic| human::render(diagnostic, sources, human::Style::default()))
        .collect();
    Failure { message }
}

/// Re-compiles and checks an edited copy of a design: its findings, or
/// `None` when the copy does not compile.
pub type Recheck<'a> = &'a dyn Fn(&str) -> Option<Vec<Diagnostic>>;

/// What `hld check` reports on a compiled design.
pub struct Report {
    /// The compilation's warnings, the rules' input errors and findings, in
    /// report order.
    pub diagnostics: Vec<Diagnostic>,
    /// The rules found input errors (an `allow` naming no rule): exit 2.
    pub input_errors: bool,
}

/// The rules' findings on `design` after the compilation's own diagnostics,
/// sorted as `hld check` reports them. With `recheck` (a re-compilation and
/// check of an edited copy), each fix is marked verified when the edited
/// design no longer has its finding.
pub fn diagnose(
    design: &Design,
    compiled: Vec<Diagnostic>,
    sources: &SourceMap,
    config: &Config,
    recheck: Option<Recheck<'_>>,
) -> Report {
    let mut analysis = analysis::check(design, config);
    if let Some(recheck) = recheck {
        crate::fix::verify(
            design,
            sources,
            crate::source::FileId(0),
            &mut analysis.findings,
            recheck,
        );
    }
    let mut all = compiled;
    let input_errors = !analysis.errors.is_empty();
    all.extend(analysis.errors);
    all.extend(analysis.findings);
    diagnostics::sort(&mut all, sources);
    Report {
        diagnostics: all,
        input_errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESIGN: &str = "system s {\n  client users { rps = 100 }\n  service api\n  database db : postgres\n  users -> api -> db\n  flow read { path = users -> api -> db }\n}\n";

    #[test]
    fn check_json_reports_findings_with_the_designs_name() {
        let json = Project::new("d.hld", DESIGN).check_json();
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        let diagnostics = report["diagnostics"].as_array().unwrap();
        assert!(!diagnostics.is_empty());
        assert!(diagnostics.iter().all(|d| d["file"] == "d.hld"), "{json}");
        assert!(json.contains("single-point-of-failure"), "{json}");
    }

    #[test]
    fn imports_resolve_from_memory_and_errors_name_their_file() {
        let mut project = Project::new(
            "dir/main.hld",
            "import \"parts/p.hld\"\nsystem s {\n  client users\n  service api\n  users -> api\n}\n",
        );
        project.files = loader([("dir/parts/p.hld", "service extra {\n  replicas = x\n}\n")]);
        let json = project.check_json();
        assert!(json.contains("\"file\": \"dir/parts/p.hld\""), "{json}");
        assert!(project.estimate_json().is_err());
        project.files = loader([("dir/parts/p.hld", "service extra\n")]);
        assert!(project.estimate_json().is_ok(), "{}", project.check_json());
    }

    #[test]
    fn commands_on_broken_input_fail_with_the_rendered_errors() {
        let project = Project::new("d.hld", "system s {\n  servce api\n}\n");
        let failure = project.estimate_json().unwrap_err();
        assert!(failure.message.contains("service"), "{}", failure.message);
        assert!(project.diagram_svg(true).is_err());
        let project = Project::new("d.hld", DESIGN);
        let failure = project.what_if_json(&["apu"]).unwrap_err();
        assert!(failure.message.contains("api"), "{}", failure.message);
        let what_if = project.what_if_json(&["api"]).unwrap();
        assert!(what_if.contains("\"read\""), "{what_if}");
        assert!(project.diagram_svg(true).unwrap().starts_with("<svg"));
    }

    #[test]
    fn a_broken_configuration_is_reported_by_check() {
        let mut project = Project::new("d.hld", DESIGN);
        project.config = Some("rules:\n  nope: off\n".to_string());
        let json = project.check_json();
        assert!(json.contains("hld.yaml"), "{json}");
    }
}
