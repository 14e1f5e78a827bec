//! `hld` in the browser: the playground's WebAssembly module. Each export
//! takes a design's text and a JSON object of options (`name`, `files`,
//! `config`; see [`Options`]) and returns what the command line prints, by
//! way of `hld::api`, which `hld check` itself reports through. web/build.sh
//! compiles this crate for `wasm32-unknown-unknown` and runs `wasm-bindgen`;
//! web/src/main.js wraps it as `window.hld`.

use std::collections::BTreeMap;

use hld::api::{Failure, Project};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// What the page passes beside the design's text, as JSON.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// The design's name in diagnostics (`design.hld` when empty); imports
    /// are relative to its directory.
    pub name: String,
    /// Files the design may import, by path.
    pub files: BTreeMap<String, String>,
    /// The text of an `hld.yaml`.
    pub config: Option<String>,
}

/// The name a design has when the page gives none.
pub const DEFAULT_NAME: &str = "design.hld";

/// The project `text` and `options` describe; options that are not JSON of
/// the shape above are an error.
pub fn project(text: &str, options: &str) -> Result<Project, String> {
    let options: Options = if options.trim().is_empty() {
        Options::default()
    } else {
        serde_json::from_str(options).map_err(|error| format!("the options are not valid: {error}"))?
    };
    let name = if options.name.is_empty() {
        DEFAULT_NAME
    } else {
        &options.name
    };
    let mut project = Project::new(name, text);
    project.files = hld::api::loader(options.files.iter().map(|(path, text)| (path.as_str(), text.as_str())));
    project.config = options.config;
    Ok(project)
}

fn js_error(message: String) -> JsError {
    JsError::new(&message)
}

fn failed(failure: Failure) -> JsError {
    js_error(failure.message)
}

/// `hld check --format json`.
#[wasm_bindgen]
pub fn check(text: &str, options: &str) -> Result<String, JsError> {
    Ok(project(text, options).map_err(js_error)?.check_json())
}

/// `hld estimate --format json`; input errors throw, rendered as the CLI
/// prints them.
#[wasm_bindgen]
pub fn estimate(text: &str, options: &str) -> Result<String, JsError> {
    project(text, options)
        .map_err(js_error)?
        .estimate_json()
        .map_err(failed)
}

/// `hld diagram --format svg`; `embedded` leaves out the XML declaration
/// (for an HTML page).
#[wasm_bindgen]
pub fn diagram(text: &str, options: &str, embedded: bool) -> Result<String, JsError> {
    project(text, options)
        .map_err(js_error)?
        .diagram_svg(embedded)
        .map_err(failed)
}

/// `hld what-if --fail IDS --format json`, `fail` comma-separated.
#[wasm_bindgen]
pub fn what_if(text: &str, options: &str, fail: &str) -> Result<String, JsError> {
    let ids: Vec<&str> = fail.split(',').collect();
    project(text, options)
        .map_err(js_error)?
        .what_if_json(&ids)
        .map_err(failed)
}

/// One `hld init` template, as the page's menu lists it.
#[derive(Serialize)]
struct Template {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    text: &'static str,
}

/// The `hld init` templates, as a JSON array (name, title, description,
/// text), in `hld init --list` order.
#[wasm_bindgen]
pub fn templates() -> String {
    let all: Vec<Template> = hld::init::TEMPLATES
        .iter()
        .map(|template| Template {
            name: template.name,
            title: template.title,
            description: template.description,
            text: template.text,
        })
        .collect();
    serde_json::to_string(&all).unwrap_or_default()
}

/// The words the editor highlights, from the language itself.
#[derive(Serialize)]
struct Vocabulary {
    keywords: &'static [&'static str],
    kinds: &'static [&'static str],
    technologies: Vec<&'static str>,
}

/// The language's words as JSON: declaration keywords, component kinds and
/// technology names.
#[wasm_bindgen]
pub fn vocabulary() -> String {
    let vocabulary = Vocabulary {
        keywords: hld::syntax::cst::DECLARATION_KEYWORDS,
        kinds: hld::model::Kind::NAMES,
        technologies: hld::knowledge::KnowledgeBase::get().technology_names().collect(),
    };
    serde_json::to_string(&vocabulary).unwrap_or_default()
}

/// The version of `hld` the page runs.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_name_the_design_and_carry_its_imports() {
        let project = project(
            "import \"parts/p.hld\"\nsystem s {\n  client users\n  service api\n  users -> api\n}\n",
            r#"{"name": "ex/main.hld", "files": {"ex/parts/p.hld": "service extra\n"}}"#,
        )
        .unwrap();
        assert!(project.estimate_json().is_ok());
        assert!(project.check_json().contains("\"file\": \"ex/main.hld\""));
        assert!(super::project("", "{\"nope\": 1}").is_err());
        assert_eq!(super::project("", "").unwrap().name, DEFAULT_NAME);
    }

    #[test]
    fn the_vocabulary_and_templates_are_json() {
        let vocabulary: serde_json::Value = serde_json::from_str(&vocabulary()).unwrap();
        assert!(
            vocabulary["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind == "service")
        );
        assert!(
            vocabulary["technologies"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "postgres")
        );
        let templates: serde_json::Value = serde_json::from_str(&templates()).unwrap();
        assert_eq!(templates.as_array().unwrap().len(), hld::init::TEMPLATES.len());
    }
}
