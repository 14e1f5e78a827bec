//! `hld diff`: what a change to a design does (cli.md "Additions"). Compares
//! two designs already compiled, checked and estimated: components, links
//! and flows added, removed and changed (property by property, on the
//! resolved design of `hld diagram --format json`, so a default written out
//! is no change), findings new and fixed (matched by rule, subject and
//! message: `analysis::baseline`), per flow the figures and SLO verdict
//! before and after, and per component the load and utilization that moved
//! by more than 1%.
//!
//! No IO and no wording: `emit::diff` renders a [`DesignDiff`], `cli::diff`
//! reads the two sides (a file, or `git:REF`).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::analysis::baseline;
use crate::diagnostics::{Diagnostic, Severity};
use crate::estimate::{Estimates, LatencyFigures};
use crate::model::Design;
use crate::source::SourceMap;

/// One side of the comparison: a compiled design, its findings (sorted)
/// and its estimates.
pub struct Side<'a> {
    /// How the side is named (`design.hld`, `HEAD~1:design.hld`).
    pub name: &'a str,
    pub design: &'a Design,
    pub sources: &'a SourceMap,
    pub findings: &'a [Diagnostic],
    pub estimates: &'a Estimates,
    /// The design as `hld diagram --format json` exports it
    /// (`emit::design_json::export_value`): properties are compared there,
    /// so a default written out is no change.
    pub export: &'a Value,
}

/// A property whose value differs: its dotted path in the resolved design
/// (`replicas`, `latency.p99_ms`, `replication.replicas`) and both values
/// (`null` when absent on that side).
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyChange {
    pub property: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Changed {
    pub id: String,
    pub properties: Vec<PropertyChange>,
}

/// Components or links added, removed and changed, in declaration order
/// (the new design's for added and changed, the old one's for removed).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<Changed>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A flow's figures on one side.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowFigures {
    pub latency: LatencyFigures,
    pub availability: f64,
    /// `None` when the flow has no SLO.
    pub slo_met: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Added,
    Removed,
    Both,
}

/// One flow, before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowDiff {
    pub name: String,
    pub presence: Presence,
    /// The flow's own properties that changed (path, rps, SLO, ...).
    pub properties: Vec<PropertyChange>,
    pub before: Option<FlowFigures>,
    pub after: Option<FlowFigures>,
}

impl FlowDiff {
    /// The SLO was met and is now missed.
    pub fn slo_broken(&self) -> bool {
        let before = self.before.as_ref().and_then(|figures| figures.slo_met);
        let after = self.after.as_ref().and_then(|figures| figures.slo_met);
        before == Some(true) && after == Some(false)
    }

    /// The SLO was missed and is now met.
    pub fn slo_fixed(&self) -> bool {
        let before = self.before.as_ref().and_then(|figures| figures.slo_met);
        let after = self.after.as_ref().and_then(|figures| figures.slo_met);
        before == Some(false) && after == Some(true)
    }

    /// Anything to show: the flow came or went, a property changed, or a
    /// figure moved (as printed: latency to 0.01 ms, availability to 1e-12).
    pub fn is_changed(&self) -> bool {
        if self.presence != Presence::Both || !self.properties.is_empty() {
            return true;
        }
        match (&self.before, &self.after) {
            (Some(before), Some(after)) => figures_differ(before, after),
            _ => true,
        }
    }
}

fn figures_differ(before: &FlowFigures, after: &FlowFigures) -> bool {
    use crate::format::figure;
    let latency =
        |figures: &LatencyFigures| [figures.mean_ms, figures.p50_ms, figures.p95_ms, figures.p99_ms].map(figure);
    latency(&before.latency) != latency(&after.latency)
        || (before.availability - after.availability).abs() > 1e-12
        || before.slo_met != after.slo_met
}

/// A component's load on one side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadFigures {
    pub load_rps: f64,
    pub utilization: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LoadChange {
    pub id: String,
    pub before: LoadFigures,
    pub after: LoadFigures,
}

/// Everything that differs between two designs.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignDiff {
    pub components: Changes,
    pub links: Changes,
    /// Every flow of either side: the new design's order, then removed flows.
    pub flows: Vec<FlowDiff>,
    /// Indexes into the new side's findings.
    pub new_findings: Vec<usize>,
    /// Indexes into the old side's findings.
    pub fixed_findings: Vec<usize>,
    /// Components on both sides whose load or utilization moved by more
    /// than 1% (relative), in the new design's order.
    pub load: Vec<LoadChange>,
}

/// A change smaller than this share of the old figure is not reported.
pub const LOAD_THRESHOLD: f64 = 0.01;

impl DesignDiff {
    /// New findings at or above `fail_on`.
    pub fn failing_findings<'a>(
        &'a self,
        after: &'a [Diagnostic],
        fail_on: Severity,
    ) -> impl Iterator<Item = &'a Diagnostic> {
        self.new_findings
            .iter()
            .map(move |&index| &after[index])
            .filter(move |diagnostic| diagnostic.severity >= fail_on)
    }

    /// Flows whose SLO turned from met to missed.
    pub fn broken_slos(&self) -> impl Iterator<Item = &FlowDiff> {
        self.flows.iter().filter(|flow| flow.slo_broken())
    }

    /// Whether the change fails review (exit 1): a new finding at or above
    /// `fail_on`, or an SLO turned from met to missed.
    pub fn fails(&self, after: &[Diagnostic], fail_on: Severity) -> bool {
        self.failing_findings(after, fail_on).next().is_some() || self.broken_slos().next().is_some()
    }

    /// Nothing differs at all.
    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
            && self.links.is_empty()
            && !self.flows.iter().any(FlowDiff::is_changed)
            && self.new_findings.is_empty()
            && self.fixed_findings.is_empty()
            && self.load.is_empty()
    }
}

pub fn compare(before: &Side<'_>, after: &Side<'_>) -> DesignDiff {
    let (old, new) = (before.export, after.export);
    let components = compare_items(
        &items(&old["components"], component_key),
        &items(&new["components"], component_key),
    );
    let links = compare_items(&items(&old["links"], link_key), &items(&new["links"], link_key));
    let old_flows = items(&flows_for_diff(&old["flows"]), component_key);
    let new_flows = items(&flows_for_diff(&new["flows"]), component_key);
    let (new_findings, fixed_findings) = baseline::compare(before.findings, after.findings);
    DesignDiff {
        components,
        links,
        flows: compare_flows(before, after, &old_flows, &new_flows),
        new_findings,
        fixed_findings,
        load: compare_load(before, after),
    }
}

/// The export's flows with each call tree as one line of text (see
/// [`call_tree_text`]), and without it when the flow is its path alone (the
/// path already says it all).
fn flows_for_diff(flows: &Value) -> Value {
    let mut flows = flows.clone();
    for flow in flows.as_array_mut().map(Vec::as_mut_slice).unwrap_or_default() {
        let Some(object) = flow.as_object_mut() else { continue };
        let path_len = object.get("path").and_then(Value::as_array).map_or(0, Vec::len);
        let Some(visits) = object.remove("visits") else {
            continue;
        };
        let visits = visits.as_array().map(Vec::as_slice).unwrap_or_default();
        if visits.len() != path_len {
            object.insert("call_tree".to_string(), Value::String(call_tree_text(visits)));
        }
    }
    flows
}

/// A call tree on one line: a visit with one call is followed by ` → ` and
/// that call; a visit with several steps lists them in brackets, separated
/// by `; `, a parallel step's calls joined by ` & `.
/// `api → [cache; db; search & ads]`.
fn call_tree_text(visits: &[Value]) -> String {
    // Per visit, its steps in order, each the calls it makes.
    let mut steps: Vec<Vec<Vec<usize>>> = vec![Vec::new(); visits.len()];
    for (idx, visit) in visits.iter().enumerate() {
        let (Some(caller), Some(step)) = (visit["caller"].as_u64(), visit["step"].as_u64()) else {
            continue;
        };
        let (Ok(caller), Ok(step)) = (usize::try_from(caller), usize::try_from(step)) else {
            continue;
        };
        let Some(list) = steps.get_mut(caller) else { continue };
        if list.len() <= step {
            list.resize(step + 1, Vec::new());
        }
        list[step].push(idx);
    }
    // Iterative, so a deep tree cannot exhaust the stack: text to write
    // and visits to render, last first.
    enum Item<'a> {
        Text(&'a str),
        Visit(usize),
    }
    let mut out = String::new();
    let mut work: Vec<Item<'_>> = Vec::new();
    if !visits.is_empty() {
        work.push(Item::Visit(0));
    }
    while let Some(item) = work.pop() {
        let idx = match item {
            Item::Text(text) => {
                out.push_str(text);
                continue;
            }
            Item::Visit(idx) => idx,
        };
        out.push_str(visits[idx]["component"].as_str().unwrap_or_default());
        let own: Vec<&Vec<usize>> = steps[idx].iter().filter(|step| !step.is_empty()).collect();
        match own.as_slice() {
            [] => {}
            [only] if only.len() == 1 => {
                work.push(Item::Visit(only[0]));
                work.push(Item::Text(" → "));
            }
            many => {
                let mut items = vec![Item::Text(" → [")];
                for (at, step) in many.iter().enumerate() {
                    if at > 0 {
                        items.push(Item::Text("; "));
                    }
                    for (nth, call) in step.iter().enumerate() {
                        if nth > 0 {
                            items.push(Item::Text(" & "));
                        }
                        items.push(Item::Visit(*call));
                    }
                }
                items.push(Item::Text("]"));
                work.extend(items.into_iter().rev());
            }
        }
    }
    out
}

/// Objects of an export list keyed by `key`, in order, each flattened to
/// its leaf properties. A key seen twice (two links between the same
/// components) gets ` #2`, ` #3`, ...
fn items(list: &Value, key: fn(&Value) -> String) -> Vec<(String, BTreeMap<String, Value>)> {
    let mut out: Vec<(String, BTreeMap<String, Value>)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in list.as_array().map(Vec::as_slice).unwrap_or_default() {
        let base = key(item);
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        let name = if *count == 1 { base } else { format!("{base} #{count}") };
        let mut properties = BTreeMap::new();
        flatten("", item, &mut properties);
        out.push((name, properties));
    }
    out
}

fn component_key(item: &Value) -> String {
    item["id"].as_str().unwrap_or_default().to_string()
}

fn link_key(item: &Value) -> String {
    format!(
        "{} -> {}",
        item["from"].as_str().unwrap_or_default(),
        item["to"].as_str().unwrap_or_default()
    )
}

/// Leaf properties by dotted path. `id`, `from` and `to` name the item;
/// `source` says where a default came from, which is not a change of the
/// design's behaviour.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if prefix.is_empty() && matches!(key.as_str(), "id" | "from" | "to") {
                    continue;
                }
                if key == "source" {
                    continue;
                }
                let path = if prefix.is_empty() {
                    key.clone()
                } else if key == "value" {
                    // `availability.value` is the availability.
                    prefix.to_string()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, out);
            }
        }
        leaf => {
            out.insert(prefix.to_string(), leaf.clone());
        }
    }
}

fn property_changes(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) -> Vec<PropertyChange> {
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let old = before.get(key).cloned().unwrap_or(Value::Null);
            let new = after.get(key).cloned().unwrap_or(Value::Null);
            (old != new).then(|| PropertyChange {
                property: key.clone(),
                before: old,
                after: new,
            })
        })
        .collect()
}

type Items = [(String, BTreeMap<String, Value>)];

/// Where each name is in a list of items.
fn index(items: &Items) -> HashMap<&str, usize> {
    items
        .iter()
        .enumerate()
        .map(|(at, (key, _))| (key.as_str(), at))
        .collect()
}

fn compare_items(before: &Items, after: &Items) -> Changes {
    let (old_index, new_index) = (index(before), index(after));
    let mut changes = Changes::default();
    for (name, properties) in after {
        match old_index.get(name.as_str()) {
            None => changes.added.push(name.clone()),
            Some(&at) => {
                let properties = property_changes(&before[at].1, properties);
                if !properties.is_empty() {
                    changes.changed.push(Changed {
                        id: name.clone(),
                        properties,
                    });
                }
            }
        }
    }
    for (name, _) in before {
        if !new_index.contains_key(name.as_str()) {
            changes.removed.push(name.clone());
        }
    }
    changes
}

/// A side's flow estimates by flow name.
fn estimates_by_flow<'a>(side: &Side<'a>) -> HashMap<&'a str, &'a crate::estimate::FlowEstimate> {
    side.estimates
        .flows
        .iter()
        .map(|estimate| (side.design.flow(estimate.flow).id.as_str(), estimate))
        .collect()
}

fn flow_figures(estimates: &HashMap<&str, &crate::estimate::FlowEstimate>, name: &str) -> Option<FlowFigures> {
    let estimate = estimates.get(name)?;
    Some(FlowFigures {
        latency: estimate.latency.clone(),
        availability: estimate.availability,
        slo_met: estimate.slo.as_ref().map(|verdict| verdict.met),
    })
}

fn compare_flows(before: &Side<'_>, after: &Side<'_>, old: &Items, new: &Items) -> Vec<FlowDiff> {
    let (old_index, new_index) = (index(old), index(new));
    let before_estimates = estimates_by_flow(before);
    let after_estimates = estimates_by_flow(after);
    let mut flows = Vec::new();
    for (name, properties) in new {
        let previous = old_index.get(name.as_str()).map(|&at| &old[at].1);
        flows.push(FlowDiff {
            name: name.clone(),
            presence: if previous.is_some() {
                Presence::Both
            } else {
                Presence::Added
            },
            properties: previous.map_or_else(Vec::new, |previous| property_changes(previous, properties)),
            before: previous.and_then(|_| flow_figures(&before_estimates, name)),
            after: flow_figures(&after_estimates, name),
        });
    }
    for (name, _) in old {
        if !new_index.contains_key(name.as_str()) {
            flows.push(FlowDiff {
                name: name.clone(),
                presence: Presence::Removed,
                properties: Vec::new(),
                before: flow_figures(&before_estimates, name),
                after: None,
            });
        }
    }
    flows
}

/// Whether a figure moved by more than [`LOAD_THRESHOLD`] of its old value.
fn moved(before: f64, after: f64) -> bool {
    if before == 0.0 {
        return after.abs() > 1e-9;
    }
    ((after - before) / before).abs() > LOAD_THRESHOLD
}

fn compare_load(before: &Side<'_>, after: &Side<'_>) -> Vec<LoadChange> {
    let old: HashMap<&str, LoadFigures> = before
        .estimates
        .capacity
        .components
        .iter()
        .map(|load| {
            (
                before.design.component(load.component).id.as_str(),
                LoadFigures {
                    load_rps: load.load_rps,
                    utilization: load.utilization,
                },
            )
        })
        .collect();
    after
        .estimates
        .capacity
        .components
        .iter()
        .filter_map(|load| {
            let id = after.design.component(load.component).id.as_str();
            let previous = *old.get(id)?;
            let current = LoadFigures {
                load_rps: load.load_rps,
                utilization: load.utilization,
            };
            let utilization_moved = match (previous.utilization, current.utilization) {
                (Some(a), Some(b)) => moved(a, b),
                (None, None) => false,
                _ => true,
            };
            (moved(previous.load_rps, current.load_rps) || utilization_moved).then(|| LoadChange {
                id: id.to_string(),
                before: previous,
                after: current,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_call_tree_reads_on_one_line() {
        let visit = |component: &str, caller: Option<u64>, step: Option<u64>| serde_json::json!({ "component": component, "caller": caller, "step": step });
        let visits = vec![
            visit("users", None, None),
            visit("api", Some(0), Some(0)),
            visit("cache", Some(1), Some(0)),
            visit("db", Some(1), Some(1)),
            visit("search", Some(1), Some(2)),
            visit("ads", Some(1), Some(2)),
            visit("index", Some(4), Some(0)),
        ];
        assert_eq!(
            super::call_tree_text(&visits),
            "users → api → [cache; db; search → index & ads]"
        );
    }

    use super::*;
    use crate::analysis::{self, Config};
    use crate::model::load::compile_text;

    struct Checked {
        compilation: crate::model::load::Compilation,
        findings: Vec<Diagnostic>,
        estimates: Estimates,
        export: Value,
    }

    fn checked(text: &str) -> Checked {
        let compilation = compile_text(text);
        let design = compilation.design.as_ref().expect("the design resolves");
        let findings = analysis::check(design, &Config::default()).findings;
        let estimates = crate::estimate::estimate(design, None);
        let export = crate::emit::design_json::export_value(design);
        Checked {
            compilation,
            findings,
            estimates,
            export,
        }
    }

    fn side<'a>(checked: &'a Checked) -> Side<'a> {
        Side {
            export: &checked.export,
            name: "t.hld",
            design: checked.compilation.design.as_ref().unwrap(),
            sources: &checked.compilation.sources,
            findings: &checked.findings,
            estimates: &checked.estimates,
        }
    }

    const BASE: &str = "system s {\n  slo { availability = 99.9% }\n  client u { rps = 100 }\n  load_balancer lb { replicas = 2 }\n  service api { replicas = 2, capacity = 1000 }\n  u -> lb -> api\n  flow f { path = u -> lb -> api }\n}\n";

    #[test]
    fn a_design_compared_with_itself_has_no_change() {
        let a = checked(BASE);
        let diff = compare(&side(&a), &side(&a));
        assert!(diff.is_empty(), "{diff:?}");
        assert!(!diff.fails(&a.findings, Severity::Error));
        assert_eq!(diff.flows.len(), 1);
        assert!(!diff.flows[0].is_changed());
    }

    #[test]
    fn writing_a_default_out_is_no_change_but_a_new_value_is() {
        let a = checked(BASE);
        // The load balancer's default algorithm written out: the resolved
        // designs agree.
        let b = checked(&BASE.replace("lb { replicas = 2 }", "lb { replicas = 2, algorithm = round_robin }"));
        assert!(compare(&side(&a), &side(&b)).components.is_empty());
        let c = checked(&BASE.replace("lb { replicas = 2 }", "lb { replicas = 1 }"));
        let diff = compare(&side(&a), &side(&c));
        let changed = &diff.components.changed[0];
        assert_eq!(changed.id, "lb");
        let names: Vec<&str> = changed.properties.iter().map(|p| p.property.as_str()).collect();
        assert_eq!(names, ["redundant", "replicas"]);
        assert!(diff.flows[0].slo_broken(), "{:?}", diff.flows[0]);
        assert!(diff.fails(&c.findings, Severity::Error));
    }

    #[test]
    fn load_changes_below_one_percent_are_left_out() {
        assert!(!moved(100.0, 100.9));
        assert!(moved(100.0, 101.1));
        assert!(moved(0.0, 1.0));
        assert!(!moved(0.0, 0.0));
    }
}
