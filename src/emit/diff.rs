//! `hld diff` output: the JSON document (cli.md "Additions", issue 16), a
//! pull-request comment in Markdown (a one-line verdict, then tables, most
//! important first: new findings, flows, fixed findings, components, links,
//! load), and a plain-text report. Renders a [`DesignDiff`]; decides
//! nothing but wording.

use serde::Serialize;
use serde_json::Value;

use super::estimate::JsonFigures;
use super::json::JsonDiagnostic;
use crate::diagnostics::{Diagnostic, Severity};
use crate::diff::{Changes, DesignDiff, FlowDiff, FlowFigures, LoadFigures, Presence, PropertyChange, Side};
use crate::format::{self, figure, fraction};

/// What the renderers need besides the diff.
pub struct Review<'a> {
    pub diff: &'a DesignDiff,
    pub before: &'a Side<'a>,
    pub after: &'a Side<'a>,
    pub fail_on: Severity,
}

// ---------------------------------------------------------------- JSON

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    old: &'a str,
    new: &'a str,
    /// Whether the change fails review (the exit code is 1).
    fails: bool,
    components: JsonChanges<'a>,
    links: JsonChanges<'a>,
    flows: Vec<JsonFlow<'a>>,
    load: Vec<JsonLoad<'a>>,
    findings: JsonFindings<'a>,
}

#[derive(Serialize)]
struct JsonChanges<'a> {
    added: &'a [String],
    removed: &'a [String],
    changed: Vec<JsonChanged<'a>>,
}

#[derive(Serialize)]
struct JsonChanged<'a> {
    id: &'a str,
    properties: Vec<JsonProperty<'a>>,
}

#[derive(Serialize)]
struct JsonProperty<'a> {
    property: &'a str,
    before: &'a Value,
    after: &'a Value,
}

#[derive(Serialize)]
struct JsonFlow<'a> {
    name: &'a str,
    /// `added`, `removed`, `changed` or `unchanged`.
    status: &'static str,
    changes: Vec<JsonProperty<'a>>,
    before: Option<JsonFigures>,
    after: Option<JsonFigures>,
}

#[derive(Serialize)]
struct JsonLoad<'a> {
    id: &'a str,
    before: JsonLoadFigures,
    after: JsonLoadFigures,
}

#[derive(Serialize)]
struct JsonLoadFigures {
    load_rps: f64,
    utilization: Option<f64>,
}

#[derive(Serialize)]
struct JsonFindings<'a> {
    new: Vec<JsonDiagnostic<'a>>,
    fixed: Vec<JsonDiagnostic<'a>>,
}

fn json_properties(properties: &[PropertyChange]) -> Vec<JsonProperty<'_>> {
    properties
        .iter()
        .map(|change| JsonProperty {
            property: &change.property,
            before: &change.before,
            after: &change.after,
        })
        .collect()
}

fn json_changes(changes: &Changes) -> JsonChanges<'_> {
    JsonChanges {
        added: &changes.added,
        removed: &changes.removed,
        changed: changes
            .changed
            .iter()
            .map(|changed| JsonChanged {
                id: &changed.id,
                properties: json_properties(&changed.properties),
            })
            .collect(),
    }
}

fn json_figures(figures: &FlowFigures) -> JsonFigures {
    JsonFigures::new(&figures.latency, figures.availability, figures.slo_met)
}

fn json_load(figures: LoadFigures) -> JsonLoadFigures {
    JsonLoadFigures {
        load_rps: figure(figures.load_rps),
        utilization: figures.utilization.map(fraction),
    }
}

fn status(flow: &FlowDiff) -> &'static str {
    match flow.presence {
        Presence::Added => "added",
        Presence::Removed => "removed",
        Presence::Both if flow.is_changed() => "changed",
        Presence::Both => "unchanged",
    }
}

/// The `hld diff --format json` document.
pub fn json(review: &Review<'_>) -> String {
    let Review {
        diff, before, after, ..
    } = review;
    let report = Report {
        version: 1,
        old: before.name,
        new: after.name,
        fails: diff.fails(after.findings, review.fail_on),
        components: json_changes(&diff.components),
        links: json_changes(&diff.links),
        flows: diff
            .flows
            .iter()
            .map(|flow| JsonFlow {
                name: &flow.name,
                status: status(flow),
                changes: json_properties(&flow.properties),
                before: flow.before.as_ref().map(json_figures),
                after: flow.after.as_ref().map(json_figures),
            })
            .collect(),
        load: diff
            .load
            .iter()
            .map(|change| JsonLoad {
                id: &change.id,
                before: json_load(change.before),
                after: json_load(change.after),
            })
            .collect(),
        findings: JsonFindings {
            new: diff
                .new_findings
                .iter()
                .map(|&index| JsonDiagnostic::new(&after.findings[index], after.sources, after.name))
                .collect(),
            fixed: diff
                .fixed_findings
                .iter()
                .map(|&index| JsonDiagnostic::new(&before.findings[index], before.sources, before.name))
                .collect(),
        },
    };
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
    out.push('\n');
    out
}

// ---------------------------------------------------------------- words

/// The one-line verdict: what fails review first, then what got better.
pub fn verdict(review: &Review<'_>) -> String {
    let Review { diff, after, .. } = review;
    let mut clauses = Vec::new();
    let failing: Vec<&Diagnostic> = diff.failing_findings(after.findings, review.fail_on).collect();
    for diagnostic in failing.iter().take(3) {
        let subject = diagnostic
            .subject
            .as_deref()
            .map(|subject| format!(" on `{subject}`"))
            .unwrap_or_default();
        clauses.push(format!("new {} {}{subject}", diagnostic.severity, diagnostic.code));
    }
    if failing.len() > 3 {
        clauses.push(format!(
            "{} more new findings at or above {}",
            failing.len() - 3,
            review.fail_on
        ));
    }
    for flow in diff.broken_slos() {
        clauses.push(format!("`{}` SLO now missed ({})", flow.name, flow_delta(flow)));
    }
    let other_new = diff.new_findings.len() - failing.len();
    if other_new > 0 {
        clauses.push(format!(
            "{other_new} new {} below {}",
            findings_word(other_new),
            review.fail_on
        ));
    }
    let fixed = diff.fixed_findings.len();
    if fixed > 0 {
        clauses.push(format!("{fixed} {} fixed", findings_word(fixed)));
    }
    for flow in diff.flows.iter().filter(|flow| flow.slo_fixed()) {
        clauses.push(format!("`{}` SLO now met", flow.name));
    }
    let fails = diff.fails(after.findings, review.fail_on);
    let head = if fails {
        "fails review"
    } else if diff.is_empty() {
        "no change to the design's behaviour"
    } else {
        "passes review"
    };
    if clauses.is_empty() && !diff.is_empty() {
        clauses.push("no finding new or fixed, no SLO verdict changed".to_string());
    }
    if clauses.is_empty() {
        return format!("hld: {head}");
    }
    format!("hld: {head}: {}", clauses.join("; "))
}

fn findings_word(count: usize) -> &'static str {
    if count == 1 { "finding" } else { "findings" }
}

/// `availability 99.95% → 99.9%, p99 +40 ms`: what moved in a flow.
fn flow_delta(flow: &FlowDiff) -> String {
    let (Some(before), Some(after)) = (&flow.before, &flow.after) else {
        return String::new();
    };
    let mut parts = Vec::new();
    if (before.availability - after.availability).abs() > 1e-12 {
        parts.push(format!(
            "availability {} → {}",
            format::percent(before.availability),
            format::percent(after.availability)
        ));
    }
    let p99 = figure(after.latency.p99_ms) - figure(before.latency.p99_ms);
    if p99 != 0.0 {
        parts.push(format!("p99 {}", format::signed_ms(p99)));
    }
    parts.join(", ")
}

/// `a → b`, or `a` when both print the same.
fn arrow(before: Option<String>, after: Option<String>) -> String {
    match (before, after) {
        (Some(before), Some(after)) if before == after => after,
        (Some(before), Some(after)) => format!("{before} → {after}"),
        (Some(before), None) => format!("{before} → (removed)"),
        (None, Some(after)) => format!("(new) {after}"),
        (None, None) => String::new(),
    }
}

fn slo_word(met: Option<bool>) -> String {
    match met {
        Some(true) => "met".to_string(),
        Some(false) => "missed".to_string(),
        None => "none".to_string(),
    }
}

/// A property value as text: `unset` for absent, strings bare.
fn value_text(value: &Value) -> String {
    match value {
        Value::Null => "unset".to_string(),
        Value::String(text) => text.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(value_text).collect::<Vec<_>>().join(", ")),
        Value::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), format::plain),
        other => other.to_string(),
    }
}

fn property_text(change: &PropertyChange) -> String {
    format!(
        "{} {} → {}",
        change.property,
        value_text(&change.before),
        value_text(&change.after)
    )
}

/// The cells of a flow's row: mean, p50, p95, p99, availability, SLO.
fn flow_cells(flow: &FlowDiff) -> [String; 6] {
    let latency = |figures: &Option<FlowFigures>, pick: fn(&FlowFigures) -> f64| {
        figures.as_ref().map(|figures| format::ms(pick(figures)))
    };
    let with_delta = |pick: fn(&FlowFigures) -> f64| {
        let text = arrow(latency(&flow.before, pick), latency(&flow.after, pick));
        match (&flow.before, &flow.after) {
            (Some(before), Some(after)) => {
                let delta = figure(pick(after)) - figure(pick(before));
                if delta == 0.0 {
                    text
                } else {
                    format!("{text} ({})", format::signed_ms(delta))
                }
            }
            _ => text,
        }
    };
    [
        with_delta(|figures| figures.latency.mean_ms),
        with_delta(|figures| figures.latency.p50_ms),
        with_delta(|figures| figures.latency.p95_ms),
        with_delta(|figures| figures.latency.p99_ms),
        arrow(
            flow.before
                .as_ref()
                .map(|figures| format::percent(figures.availability)),
            flow.after.as_ref().map(|figures| format::percent(figures.availability)),
        ),
        arrow(
            flow.before.as_ref().map(|figures| slo_word(figures.slo_met)),
            flow.after.as_ref().map(|figures| slo_word(figures.slo_met)),
        ),
    ]
}

fn load_cells(before: LoadFigures, after: LoadFigures) -> [String; 2] {
    let utilization = |figures: LoadFigures| {
        figures
            .utilization
            .map_or_else(|| "no capacity".to_string(), format::utilization)
    };
    [
        arrow(Some(format::rate(before.load_rps)), Some(format::rate(after.load_rps))),
        arrow(Some(utilization(before)), Some(utilization(after))),
    ]
}

fn location(diagnostic: &Diagnostic, side: &Side<'_>) -> String {
    match diagnostic.span {
        Some(span) => {
            let location = side.sources.location(span);
            format!("{}:{}", side.sources.name(span.file), location.line.max(1))
        }
        None => side.name.to_string(),
    }
}

// ---------------------------------------------------------------- Markdown

/// Escapes a table cell: `|` and line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|text| cell(text)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
}

fn finding_rows(indexes: &[usize], side: &Side<'_>) -> Vec<Vec<String>> {
    indexes
        .iter()
        .map(|&index| {
            let diagnostic = &side.findings[index];
            vec![
                diagnostic.severity.to_string(),
                format!("`{}`", diagnostic.code),
                diagnostic
                    .subject
                    .as_deref()
                    .map(|s| format!("`{s}`"))
                    .unwrap_or_default(),
                diagnostic.message.clone(),
                location(diagnostic, side),
            ]
        })
        .collect()
}

fn change_rows(changes: &Changes, code: fn(&str) -> String) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for id in &changes.added {
        rows.push(vec![code(id), "added".to_string(), String::new()]);
    }
    for id in &changes.removed {
        rows.push(vec![code(id), "removed".to_string(), String::new()]);
    }
    for changed in &changes.changed {
        let properties: Vec<String> = changed
            .properties
            .iter()
            .map(|change| {
                format!(
                    "`{}` {} → {}",
                    change.property,
                    value_text(&change.before),
                    value_text(&change.after)
                )
            })
            .collect();
        rows.push(vec![code(&changed.id), "changed".to_string(), properties.join("<br>")]);
    }
    rows
}

/// The pull-request comment.
pub fn markdown(review: &Review<'_>) -> String {
    let Review {
        diff, before, after, ..
    } = review;
    let fails = diff.fails(after.findings, review.fail_on);
    let icon = if fails { "❌" } else { "✅" };
    let mut out = format!("{icon} **{}**\n\n", cell(&verdict(review)));
    out.push_str(&format!("`{}` → `{}`\n\n", before.name, after.name));
    if diff.is_empty() {
        out.push_str("The two designs resolve alike: same components, links, flows, findings and figures.\n");
        return out;
    }
    if !diff.new_findings.is_empty() {
        out.push_str("### New findings\n\n");
        table(
            &mut out,
            &["severity", "rule", "subject", "message", "where"],
            &finding_rows(&diff.new_findings, after),
        );
    }
    let flows: Vec<&FlowDiff> = diff.flows.iter().filter(|flow| flow.is_changed()).collect();
    if !flows.is_empty() {
        out.push_str("### Flows\n\n");
        // SLOs newly missed first, then the rest in design order.
        let mut ordered: Vec<&FlowDiff> = flows.iter().copied().filter(|flow| flow.slo_broken()).collect();
        ordered.extend(flows.iter().copied().filter(|flow| !flow.slo_broken()));
        let rows: Vec<Vec<String>> = ordered
            .iter()
            .map(|flow| {
                let mut row = vec![format!("`{}`{}", flow.name, presence_note(flow))];
                row.extend(flow_cells(flow));
                row
            })
            .collect();
        table(
            &mut out,
            &["flow", "mean", "p50", "p95", "p99", "availability", "SLO"],
            &rows,
        );
        let changed: Vec<String> = ordered
            .iter()
            .filter(|flow| !flow.properties.is_empty())
            .map(|flow| {
                let properties: Vec<String> = flow
                    .properties
                    .iter()
                    .map(|change| format!("`{}`", property_text(change)))
                    .collect();
                format!("- `{}`: {}\n", flow.name, properties.join(", "))
            })
            .collect();
        if !changed.is_empty() {
            out.push_str("Flow definitions changed:\n\n");
            out.push_str(&changed.concat());
            out.push('\n');
        }
    }
    if !diff.fixed_findings.is_empty() {
        out.push_str("### Fixed findings\n\n");
        table(
            &mut out,
            &["severity", "rule", "subject", "message", "where"],
            &finding_rows(&diff.fixed_findings, before),
        );
    }
    if !diff.components.is_empty() {
        out.push_str("### Components\n\n");
        table(
            &mut out,
            &["component", "change", "properties"],
            &change_rows(&diff.components, |id| format!("`{id}`")),
        );
    }
    if !diff.links.is_empty() {
        out.push_str("### Links\n\n");
        table(
            &mut out,
            &["link", "change", "properties"],
            &change_rows(&diff.links, |id| format!("`{id}`")),
        );
    }
    if !diff.load.is_empty() {
        out.push_str("### Load (changes above 1%)\n\n");
        let rows: Vec<Vec<String>> = diff
            .load
            .iter()
            .map(|change| {
                let mut row = vec![format!("`{}`", change.id)];
                row.extend(load_cells(change.before, change.after));
                row
            })
            .collect();
        table(&mut out, &["component", "load", "utilization"], &rows);
    }
    out
}

fn presence_note(flow: &FlowDiff) -> &'static str {
    match flow.presence {
        Presence::Added => " (added)",
        Presence::Removed => " (removed)",
        Presence::Both => "",
    }
}

// ---------------------------------------------------------------- text

/// The plain-text report on standard output.
pub fn human(review: &Review<'_>) -> String {
    let Review {
        diff, before, after, ..
    } = review;
    let mut out = format!("{} → {}\n{}\n", before.name, after.name, verdict(review));
    let findings = |out: &mut String, title: &str, indexes: &[usize], side: &Side<'_>| {
        if indexes.is_empty() {
            return;
        }
        out.push_str(&format!("\n{title}:\n"));
        for &index in indexes {
            let diagnostic = &side.findings[index];
            let subject = diagnostic
                .subject
                .as_deref()
                .map(|subject| format!(" @ {subject}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {} {}{subject}: {} ({})\n",
                diagnostic.severity,
                diagnostic.code,
                diagnostic.message,
                location(diagnostic, side)
            ));
        }
    };
    findings(&mut out, "new findings", &diff.new_findings, after);
    let flows: Vec<&FlowDiff> = diff.flows.iter().filter(|flow| flow.is_changed()).collect();
    if !flows.is_empty() {
        out.push_str("\nflows:\n");
        let mut rows = vec![
            ["flow", "mean", "p50", "p95", "p99", "availability", "SLO"]
                .map(str::to_string)
                .to_vec(),
        ];
        for flow in &flows {
            let mut row = vec![format!("{}{}", flow.name, presence_note(flow))];
            row.extend(flow_cells(flow));
            rows.push(row);
        }
        out.push_str(&super::estimate::table(&rows, "  "));
        for flow in flows.iter().filter(|flow| !flow.properties.is_empty()) {
            let properties: Vec<String> = flow.properties.iter().map(property_text).collect();
            out.push_str(&format!("  {} changed: {}\n", flow.name, properties.join("; ")));
        }
    }
    findings(&mut out, "fixed findings", &diff.fixed_findings, before);
    let changes = |out: &mut String, title: &str, changes: &Changes| {
        if changes.is_empty() {
            return;
        }
        out.push_str(&format!("\n{title}:\n"));
        for id in &changes.added {
            out.push_str(&format!("  + {id}\n"));
        }
        for id in &changes.removed {
            out.push_str(&format!("  - {id}\n"));
        }
        for changed in &changes.changed {
            let properties: Vec<String> = changed.properties.iter().map(property_text).collect();
            out.push_str(&format!("  ~ {}: {}\n", changed.id, properties.join("; ")));
        }
    };
    changes(&mut out, "components", &diff.components);
    changes(&mut out, "links", &diff.links);
    if !diff.load.is_empty() {
        out.push_str("\nload (changes above 1%):\n");
        let mut rows = vec![["component", "load", "utilization"].map(str::to_string).to_vec()];
        for change in &diff.load {
            let mut row = vec![change.id.clone()];
            row.extend(load_cells(change.before, change.after));
            rows.push(row);
        }
        out.push_str(&super::estimate::table(&rows, "  "));
    }
    out
}
