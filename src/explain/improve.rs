//! The improvements an interviewer asks for: the findings' verified fixes
//! (the rules' own, re-checked by `crate::fix`), ranked by
//! what they buy. For each finding whose fix hld can apply mechanically
//! (replicate a load balancer, turn on failover, add the replicas an
//! overloaded service needs, route a scatter-gather hop to one shard, ...)
//! the fix is applied to a working copy of the design and what it reaches
//! re-estimated with the same models: the gain in availability (failed
//! requests per second avoided), in p99, and in headroom (utilization,
//! queue growth) is model output, not text. Findings without such a fix
//! follow, most severe first.

use std::cmp::Ordering;

use crate::diagnostics::{Diagnostic, Severity};
use crate::estimate::capacity::{CapacityBase, Stalled};
use crate::estimate::dist::LawCache;
use crate::estimate::flow_availability_at;
use crate::estimate::latency::{same_latency_inputs, same_link_latency_inputs};
use crate::estimate::{Estimates, flow_estimate};
use crate::model::{
    ComponentId, Design, Failover, Fanout, FlowId, HaMode, LinkId, Replication, ReplicationMode, Target,
};

/// What applying a fix changes in the figures.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Availability {
        flow: FlowId,
        before: f64,
        after: f64,
        rps: f64,
    },
    P99 {
        flow: FlowId,
        before: f64,
        after: f64,
    },
    Utilization {
        component: ComponentId,
        before: f64,
        after: f64,
    },
    QueueGrowth {
        queue: ComponentId,
        before: f64,
        after: f64,
    },
}

/// A fix in hld syntax and what it applies to: `replicas = 2` on `lb`.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The settings in hld syntax, `, `-separated.
    pub what: String,
    pub on: String,
    pub settings: Vec<Setting>,
}

/// One property a fix sets: `replicas = 2`.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// Which property (`replicas`, `mode`, `replication.replicas`, ...).
    pub key: &'static str,
    /// The setting in hld syntax.
    pub text: String,
    /// For a count where more is at least as good (replicas, nodes,
    /// primaries), the count.
    pub count: Option<u32>,
}

impl Setting {
    fn new(key: &'static str, text: impl Into<String>) -> Setting {
        Setting {
            key,
            text: text.into(),
            count: None,
        }
    }

    fn count(key: &'static str, text: impl Into<String>, count: u32) -> Setting {
        Setting {
            key,
            text: text.into(),
            count: Some(count),
        }
    }

    /// Setting `self` does at least what setting `other` does.
    fn covers(&self, other: &Setting) -> bool {
        self.key == other.key
            && (self.text == other.text || matches!((self.count, other.count), (Some(a), Some(b)) if a >= b))
    }
}

impl Change {
    fn new(on: &str, settings: Vec<Setting>) -> Change {
        Change {
            what: settings
                .iter()
                .map(|setting| setting.text.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            on: on.to_string(),
            settings,
        }
    }

    /// Applying `self` applies `other` too: the same target, and each of
    /// `other`'s settings made by one of `self`'s (the same, or a count at
    /// least as large).
    fn covers(&self, other: &Change) -> bool {
        self.on == other.on
            && other
                .settings
                .iter()
                .all(|theirs| self.settings.iter().any(|ours| ours.covers(theirs)))
    }
}

/// One change and the findings it fixes (several findings can ask for the
/// same change, or for one another change includes: it is listed once),
/// or one finding hld cannot fix mechanically.
#[derive(Clone, Debug, PartialEq)]
pub struct Improvement {
    /// In report order; one when `change` is `None`.
    pub findings: Vec<Diagnostic>,
    /// `None` when hld cannot apply the fix mechanically.
    pub change: Option<Change>,
    pub effects: Vec<Effect>,
    /// Failed requests per second avoided (or, with no traffic, the sum of
    /// the availability gains).
    pub availability_gain: f64,
    /// The largest p99 reduction over the flows, in ms.
    pub p99_gain_ms: f64,
    /// Utilization points and queue growth (relative) freed.
    pub headroom_gain: f64,
}

/// What a fix touched, to know which figures to recompute.
#[derive(Default)]
struct Touched {
    components: Vec<ComponentId>,
    links: Vec<LinkId>,
}

/// Every change with the findings it fixes and its effects, best first,
/// then the findings without a mechanical fix.
pub fn rank(design: &Design, findings: &[Diagnostic], baseline: &Estimates) -> Vec<Improvement> {
    let mut ranker = Ranker::new(design, baseline);
    let candidates: Vec<Improvement> = findings.iter().map(|finding| ranker.improvement(finding)).collect();
    let mut improvements = group(candidates);
    improvements.sort_by(|(a_idx, a), (b_idx, b)| {
        let computed = b.change.is_some().cmp(&a.change.is_some());
        computed
            .then_with(|| desc(a.availability_gain, b.availability_gain))
            .then_with(|| desc(a.p99_gain_ms, b.p99_gain_ms))
            .then_with(|| desc(a.headroom_gain, b.headroom_gain))
            .then_with(|| severity(b).cmp(&severity(a)))
            .then_with(|| a_idx.cmp(b_idx))
    });
    improvements.into_iter().map(|(_, improvement)| improvement).collect()
}

/// One entry per change: a candidate whose change another candidate's
/// covers (the same change, or one that includes it) joins that one with
/// its findings, so the change that covers the others is listed once with
/// all their findings. Each entry keeps the index of its first finding, for
/// the ranking's last tie-break.
fn group(candidates: Vec<Improvement>) -> Vec<(usize, Improvement)> {
    let n = candidates.len();
    let covers = |a: usize, b: usize| match (&candidates[a].change, &candidates[b].change) {
        (Some(a), Some(b)) => a.covers(b),
        _ => false,
    };
    // Each candidate points to the first one whose change strictly covers
    // its own, else to the first earlier one with the same change.
    let next: Vec<usize> = (0..n)
        .map(|b| {
            (0..n)
                .find(|a| covers(*a, b) && !covers(b, *a))
                .or_else(|| (0..b).find(|a| covers(*a, b)))
                .unwrap_or(b)
        })
        .collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n];
    for idx in 0..n {
        // Strict covering only climbs and equal changes only point back, so
        // the chain ends; bounded all the same.
        let mut root = idx;
        for _ in 0..n {
            if next[root] == root {
                break;
            }
            root = next[root];
        }
        members[root].push(idx);
    }
    let mut candidates: Vec<Option<Improvement>> = candidates.into_iter().map(Some).collect();
    let mut out = Vec::new();
    for (root, group) in members.iter().enumerate() {
        let Some(&first) = group.first() else {
            continue;
        };
        let findings: Vec<Diagnostic> = group
            .iter()
            .filter_map(|idx| candidates[*idx].as_ref())
            .flat_map(|item| item.findings.iter().cloned())
            .collect();
        if let Some(mut entry) = candidates[root].take() {
            entry.findings = findings;
            out.push((first, entry));
        }
    }
    out
}

/// The most severe of an entry's findings (`None` sorts after any).
fn severity(item: &Improvement) -> Option<Severity> {
    item.findings.iter().map(|finding| finding.severity).max()
}

fn desc(a: f64, b: f64) -> Ordering {
    b.total_cmp(&a)
}

/// Applies fixes one at a time to a working copy of the design and
/// re-estimates only what each fix reaches: the flows through the
/// components and links it changed (availability, and p99 where their
/// synchronous part changed) and the capacity model re-run on those flows
/// ([`CapacityBase::recompute`]). Each fix is undone before the next, so a
/// finding costs what its fix reaches, not a copy and a pass over the
/// whole design.
struct Ranker<'a> {
    design: &'a Design,
    baseline: &'a Estimates,
    base: CapacityBase,
    work: Design,
    cache: LawCache,
    total_rps: f64,
    /// The baseline's loads: a fix's latency is re-estimated at them
    /// (docs/explain.md: the waits a fix changes are not re-weighed).
    loading: crate::estimate::Loading,
}

impl<'a> Ranker<'a> {
    fn new(design: &'a Design, baseline: &'a Estimates) -> Ranker<'a> {
        Ranker {
            design,
            baseline,
            base: CapacityBase::new(design),
            work: design.clone(),
            cache: LawCache::new(),
            total_rps: design.flows.iter().map(|flow| flow.rps.max(0.0)).sum(),
            loading: crate::estimate::Loading::new(design, &baseline.capacity),
        }
    }

    fn improvement(&mut self, finding: &Diagnostic) -> Improvement {
        let fixed = apply_fix(&mut self.work, finding, self.baseline);
        let out = match &fixed {
            Some((change, touched)) => self.effects(finding, change.clone(), touched),
            None => Improvement {
                findings: vec![finding.clone()],
                change: None,
                effects: Vec::new(),
                availability_gain: 0.0,
                p99_gain_ms: 0.0,
                headroom_gain: 0.0,
            },
        };
        // Undo the fix: the working copy is the design again.
        if let Some((_, touched)) = &fixed {
            for id in &touched.components {
                self.work.components[id.index()].clone_from(self.design.component(*id));
            }
            for id in &touched.links {
                self.work.links[id.index()].clone_from(self.design.link(*id));
            }
        }
        out
    }

    /// The figures of the working copy (the fix applied) against the
    /// baseline's.
    fn effects(&mut self, finding: &Diagnostic, change: Change, touched: &Touched) -> Improvement {
        let (design, baseline) = (self.design, self.baseline);
        let mut out = Improvement {
            findings: vec![finding.clone()],
            change: Some(change),
            effects: Vec::new(),
            availability_gain: 0.0,
            p99_gain_ms: 0.0,
            headroom_gain: 0.0,
        };
        // The components the fix changed, and both ends of the links.
        let mut seeds = touched.components.clone();
        for link in &touched.links {
            let link = design.link(*link);
            seeds.extend([link.from, link.to]);
        }
        let changed = &self.work;
        // The loads after the fix: they move waits and saturation
        // (language.md §6), so the flows through a component whose
        // utilization moved are re-estimated too.
        // The fix may change what the retried hops above it see (§7): their
        // flows' attempts again, at the loads before retries.
        let mut attempts: Vec<(FlowId, Option<Vec<f64>>)> = Vec::new();
        let mut through: Vec<FlowId> = seeds.iter().flat_map(|id| self.base.flows_through(*id)).collect();
        through.sort_unstable();
        through.dedup();
        for id in through {
            let flow = changed.flow(id);
            if crate::estimate::retry::flow_retries(changed, flow) {
                let list =
                    crate::estimate::retry::flow_attempts(changed, flow, &self.base.attempt_loading, &mut self.cache);
                attempts.push((id, list));
            }
        }
        let after = self
            .base
            .recompute_without(changed, &Stalled::new(), &seeds, &[], &attempts);
        let mut loading = self.loading.clone();
        let moved = loading.update(&baseline.capacity, &after, |_| false);
        // Only the flows through them can change: the others keep their
        // availability and p99 to the bit.
        let mut flows: Vec<FlowId> = seeds
            .iter()
            .chain(&moved)
            .flat_map(|id| self.base.flows_through(*id))
            .collect();
        flows.sort_unstable();
        flows.dedup();
        // Most fixes add redundancy, which the latency model does not read
        // unless it moves a load: then no p99 moves, and none is re-run.
        let same_latency = touched
            .components
            .iter()
            .all(|id| same_latency_inputs(design.component(*id), changed.component(*id)))
            && touched
                .links
                .iter()
                .all(|id| same_link_latency_inputs(design.link(*id), changed.link(*id)));
        for id in flows {
            let before = &baseline.flows[id.index()];
            let after = flow_availability_at(changed, changed.flow(id), &loading, &mut self.cache);
            if after > before.availability + 1e-15 {
                let gain = after - before.availability;
                out.availability_gain += if self.total_rps > 0.0 {
                    gain * before.rps.max(0.0)
                } else {
                    gain
                };
                out.effects.push(Effect::Availability {
                    flow: id,
                    before: before.availability,
                    after,
                    rps: before.rps,
                });
            }
            // Latency moves only when the fix touches what its model reads,
            // or moves a load, on this flow's synchronous part.
            let part = changed.flow(id).sync_part(changed);
            // A retried or timed-out hop's latency reads the failure odds
            // below it (§7): any change on such a flow may move it.
            let retried = crate::estimate::retry::flow_has_judged_hops(changed, changed.flow(id));
            let affected = ((!same_latency || retried)
                && (part.nodes.iter().any(|c| touched.components.contains(c))
                    || part.links.iter().any(|l| touched.links.contains(l))))
                || part.nodes.iter().any(|c| moved.contains(c));
            if affected {
                let after = flow_estimate(changed, &loading, id, &mut self.cache).latency.p99_ms;
                if after < before.latency.p99_ms - 1e-9 * before.latency.p99_ms.max(1.0) {
                    out.p99_gain_ms = out.p99_gain_ms.max(gain_ms(before.latency.p99_ms, after));
                    out.effects.push(Effect::P99 {
                        flow: id,
                        before: before.latency.p99_ms,
                        after,
                    });
                }
            }
        }
        for id in &touched.components {
            let (Some(before), Some(now)) = (baseline.capacity.component(*id), after.component(*id)) else {
                continue;
            };
            if let (Some(b), Some(a)) = (before.utilization, now.utilization)
                && a < b - 1e-12
            {
                out.headroom_gain += if b.is_finite() { b - a } else { 1.0 };
                out.effects.push(Effect::Utilization {
                    component: *id,
                    before: b,
                    after: a,
                });
            }
        }
        // Queues the fix does not reach keep their growth.
        for now in &after.queues {
            let Some(before) = baseline.capacity.queue(now.queue) else {
                continue;
            };
            if now.growth_per_hour < before.growth_per_hour - 1e-9 {
                out.headroom_gain += (before.growth_per_hour - now.growth_per_hour) / before.growth_per_hour.max(1.0);
                out.effects.push(Effect::QueueGrowth {
                    queue: before.queue,
                    before: before.growth_per_hour,
                    after: now.growth_per_hour,
                });
            }
        }
        out
    }
}

/// A p99 gain in ms; an unbounded p99 brought back is worth the p99 it
/// gets (an overloaded flow served again).
fn gain_ms(before: f64, after: f64) -> f64 {
    if before.is_infinite() {
        after.max(1.0)
    } else {
        before - after
    }
}

/// Applies the finding's verified fix (the rule's, re-checked by
/// `crate::fix::verify`) to `design`: the change in hld syntax and what it
/// touched. A finding without a verified fix has no change: explain never
/// offers an edit that was not checked to clear its finding.
fn apply_fix(design: &mut Design, finding: &Diagnostic, _baseline: &Estimates) -> Option<(Change, Touched)> {
    let fix = finding.verified_fix()?;
    // A change of structure (a link moved, a call removed) is not a
    // setting the estimate can replay on the resolved design: `hld check
    // --fix` applies it; the ranking leaves it out.
    if !fix.rewrites.is_empty() {
        return None;
    }
    let mut touched = Touched::default();
    let mut settings = Vec::new();
    for edit in &fix.edits {
        match edit.target {
            Target::Component(id) => {
                if apply_component_edit(&mut design.components[id.index()], edit.property, &edit.value)
                    && !touched.components.contains(&id)
                {
                    touched.components.push(id);
                }
            }
            Target::Link(id) => {
                if apply_link_edit(&mut design.links[id.index()], edit.property, &edit.value)
                    && !touched.links.contains(&id)
                {
                    touched.links.push(id);
                }
            }
            Target::Flow(_) => {}
        }
        settings.push(setting(edit.property, &edit.value));
    }
    let on = fix.edits.first().map(|edit| edit.subject.clone())?;
    Some((Change::new(&on, settings), touched))
}

/// A fix's edit as a [`Setting`]: counts compare, so a larger replica
/// count covers a smaller one.
fn setting(property: &'static str, value: &str) -> Setting {
    let text = match property.split_once('.') {
        Some((_, field @ ("failover" | "conflict"))) => format!("{field} = {value}"),
        Some((block, field)) => format!("{field} = {value} (in its {block})"),
        None => format!("{property} = {value}"),
    };
    match value.parse::<u32>() {
        Ok(count)
            if matches!(
                property,
                "replicas" | "replication.replicas" | "replication.n" | "replication.primaries"
            ) =>
        {
            Setting::count(property, text, count)
        }
        _ => Setting::new(property, text),
    }
}

/// The fields of `kind { a = 1, b = x }`.
fn block_fields(value: &str) -> (&str, Vec<(&str, &str)>) {
    let (head, rest) = value.split_once('{').unwrap_or((value, ""));
    let fields = rest
        .trim_end()
        .trim_end_matches('}')
        .split(',')
        .filter_map(|field| field.split_once('='))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    (head.trim(), fields)
}

/// The edit in the model, for the properties the models read; `false`
/// when the model has nothing to re-estimate for it (the figures do not
/// move).
fn apply_component_edit(component: &mut crate::model::Component, property: &str, value: &str) -> bool {
    match property {
        "replicas" => match value.parse::<u32>() {
            Ok(count) => {
                component.replicas = count;
                component.replicas_declared = true;
                true
            }
            Err(_) => false,
        },
        "mode" => match HaMode::parse(value) {
            Some(mode) => {
                component.ha_mode = Some(mode);
                true
            }
            None => false,
        },
        "hit_ratio" => match value.parse::<f64>() {
            Ok(ratio) => {
                component.hit_ratio_declared = Some(ratio);
                true
            }
            Err(_) => false,
        },
        "replication" => {
            let (kind, fields) = block_fields(value);
            if kind != "primary_replica" {
                return false;
            }
            let field = |name: &str| fields.iter().find(|(field, _)| *field == name).map(|(_, value)| *value);
            component.replication = Replication::PrimaryReplica {
                replicas: field("replicas").and_then(|v| v.parse().ok()).unwrap_or(1),
                mode: field("mode")
                    .and_then(ReplicationMode::parse)
                    .unwrap_or(ReplicationMode::Async),
                failover: field("failover").and_then(Failover::parse).unwrap_or(Failover::Manual),
            };
            true
        }
        "replication.failover" => match (&mut component.replication, Failover::parse(value)) {
            (Replication::PrimaryReplica { failover, .. }, Some(new)) => {
                *failover = new;
                true
            }
            _ => false,
        },
        "replication.replicas" => match (&mut component.replication, value.parse::<u32>()) {
            (Replication::PrimaryReplica { replicas, .. }, Ok(count)) => {
                *replicas = count;
                true
            }
            _ => false,
        },
        "replication.n" => match (&mut component.replication, value.parse::<u32>()) {
            (Replication::Quorum { n, .. }, Ok(count)) => {
                *n = count;
                true
            }
            _ => false,
        },
        "replication.primaries" => match (&mut component.replication, value.parse::<u32>()) {
            (Replication::MultiPrimary { primaries, .. }, Ok(count)) => {
                *primaries = count;
                true
            }
            _ => false,
        },
        _ => false,
    }
}

fn apply_link_edit(link: &mut crate::model::Link, property: &str, value: &str) -> bool {
    match property {
        "fanout" => match Fanout::parse(value) {
            Some(fanout) => {
                link.fanout = fanout;
                true
            }
            None => false,
        },
        "read_from" => match crate::model::ReadFrom::parse(value) {
            Some(read_from) => {
                link.read_from = read_from;
                true
            }
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Config, check};
    use crate::estimate::{corpus, estimate};

    /// The plain computation the ranker replaces: the fix applied to a copy
    /// of the design, every flow and the whole capacity model re-run.
    fn reference(design: &Design, finding: &Diagnostic, baseline: &Estimates, cache: &mut LawCache) -> Improvement {
        let mut out = Improvement {
            findings: vec![finding.clone()],
            change: None,
            effects: Vec::new(),
            availability_gain: 0.0,
            p99_gain_ms: 0.0,
            headroom_gain: 0.0,
        };
        let mut changed = design.clone();
        let Some((change, touched)) = apply_fix(&mut changed, finding, baseline) else {
            return out;
        };
        out.change = Some(change);
        let total_rps: f64 = design.flows.iter().map(|flow| flow.rps.max(0.0)).sum();
        let first = crate::estimate::capacity::capacity_shaped(design, &Stalled::new(), None);
        let attempt_loading = crate::estimate::Loading::new(design, &first);
        let attempts: Vec<Option<Vec<f64>>> = changed
            .flows
            .iter()
            .map(|flow| crate::estimate::retry::flow_attempts(&changed, flow, &attempt_loading, cache))
            .collect();
        let after = crate::estimate::capacity::capacity_shaped(&changed, &Stalled::new(), Some(&attempts));
        let loading = crate::estimate::Loading::new(&changed, &after);
        let moved: Vec<ComponentId> = after
            .components
            .iter()
            .filter(|now| {
                let before = baseline
                    .capacity
                    .component(now.component)
                    .and_then(|load| load.utilization);
                now.utilization.map(f64::to_bits) != before.map(f64::to_bits)
            })
            .map(|now| now.component)
            .collect();
        for (id, before) in design.flow_ids().zip(&baseline.flows) {
            let after = crate::estimate::flow_availability_at(&changed, changed.flow(id), &loading, cache);
            if after > before.availability + 1e-15 {
                let gain = after - before.availability;
                out.availability_gain += if total_rps > 0.0 {
                    gain * before.rps.max(0.0)
                } else {
                    gain
                };
                out.effects.push(Effect::Availability {
                    flow: id,
                    before: before.availability,
                    after,
                    rps: before.rps,
                });
            }
            let part = changed.flow(id).sync_part(&changed);
            let affected = part
                .nodes
                .iter()
                .any(|c| touched.components.contains(c) || moved.contains(c))
                || part.links.iter().any(|l| touched.links.contains(l));
            if affected {
                let after = flow_estimate(&changed, &loading, id, cache).latency.p99_ms;
                if after < before.latency.p99_ms - 1e-9 * before.latency.p99_ms.max(1.0) {
                    out.p99_gain_ms = out.p99_gain_ms.max(gain_ms(before.latency.p99_ms, after));
                    out.effects.push(Effect::P99 {
                        flow: id,
                        before: before.latency.p99_ms,
                        after,
                    });
                }
            }
        }
        for id in &touched.components {
            let (Some(before), Some(now)) = (baseline.capacity.component(*id), after.component(*id)) else {
                continue;
            };
            if let (Some(b), Some(a)) = (before.utilization, now.utilization)
                && a < b - 1e-12
            {
                out.headroom_gain += if b.is_finite() { b - a } else { 1.0 };
                out.effects.push(Effect::Utilization {
                    component: *id,
                    before: b,
                    after: a,
                });
            }
        }
        for (before, now) in baseline.capacity.queues.iter().zip(&after.queues) {
            if now.growth_per_hour < before.growth_per_hour - 1e-9 {
                out.headroom_gain += (before.growth_per_hour - now.growth_per_hour) / before.growth_per_hour.max(1.0);
                out.effects.push(Effect::QueueGrowth {
                    queue: before.queue,
                    before: before.growth_per_hour,
                    after: now.growth_per_hour,
                });
            }
        }
        out
    }

    #[test]
    fn each_fix_re_estimated_where_it_reaches_matches_the_whole_design_re_run() {
        let mut checked = 0;
        let mut with_effects = 0;
        for (name, design) in corpus::designs(&[100, 300], 200) {
            // Every fix taken as verified: this compares the incremental
            // re-estimate with a whole re-run, whatever the fix.
            let mut findings = check(&design, &Config::default()).findings;
            for finding in &mut findings {
                if let Some(fix) = &mut finding.fix {
                    fix.verified = true;
                }
            }
            let baseline = estimate(&design, None);
            let mut ranker = Ranker::new(&design, &baseline);
            let mut cache = LawCache::new();
            for finding in &findings {
                let expected = reference(&design, finding, &baseline, &mut cache);
                let got = ranker.improvement(finding);
                assert!(
                    format!("{got:?}") == format!("{expected:?}"),
                    "{name}: {}\n{got:?}\n{expected:?}",
                    finding.message
                );
                checked += 1;
                with_effects += usize::from(!got.effects.is_empty());
            }
            // Every fix was undone.
            assert!(format!("{:?}", ranker.work) == format!("{design:?}"), "{name}");
        }
        assert!(checked > 1000 && with_effects > 300, "{checked} {with_effects}");
    }

    fn ranked(text: &str) -> (Design, Vec<Improvement>) {
        let (design, findings) = crate::fix::verified_findings(text);
        let baseline = estimate(&design, None);
        let ranked = rank(&design, &findings, &baseline);
        (design, ranked)
    }

    fn of<'a>(ranked: &'a [Improvement], rule: &str) -> &'a Improvement {
        ranked.iter().find(|item| item.findings[0].code == rule).unwrap()
    }

    #[test]
    fn an_overloaded_service_gets_the_replicas_that_bring_it_under_the_threshold() {
        let (_, ranked) = ranked(
            r#"system s {
              client u { rps = 3k }
              service app { replicas = 2, capacity = 1k/s, rate_limit = token_bucket { capacity = 10, refill = 1/s, per = user } }
              u -> app
              flow f { path = u -> app }
            }"#,
        );
        let item = of(&ranked, "overloaded-component");
        // 3,000 / (0.8 × 1,000) = 3.75: 4 replicas, 75%.
        assert_eq!(item.change.as_ref().unwrap().what, "replicas = 4");
        assert!(item.effects.contains(&Effect::Utilization {
            component: ComponentId(1),
            before: 1.5,
            after: 0.75
        }));
    }

    #[test]
    fn a_growing_queue_gets_consumers_that_keep_up() {
        let (_, ranked) = ranked(
            r#"system s {
              client u { rps = 100 }
              service api { replicas = 2, rate_limit = token_bucket { capacity = 10, refill = 1/s, per = user } }
              queue q { dead_letter = true, replicas = 2 }
              worker w { capacity = 30/s, idempotent = true }
              u -> api -> q -> w
              flow f { path = u -> api -> q -> w, op = write }
            }"#,
        );
        let item = of(&ranked, "queue-backlog-growth");
        assert_eq!(item.change.as_ref().unwrap().what, "replicas = 4");
        assert!(item.effects.iter().any(|effect| matches!(
            effect,
            Effect::QueueGrowth { before, after, .. } if (*before - 252_000.0).abs() < 1e-6 && *after == 0.0
        )));
    }

    #[test]
    fn routing_a_scatter_gather_to_one_shard_cuts_the_p99() {
        let (_, ranked) = ranked(
            r#"system s {
              slo { p99 = 10s }
              client u { rps = 10 }
              service api { replicas = 2, rate_limit = token_bucket { capacity = 10, refill = 1/s, per = user } }
              database d : cassandra { replication = quorum { n = 3, r = 2, w = 2 }, shard = hash { key = id2, count = 16 } }
              u -> api
              api -> d { op = read, fanout = all }
              flow f { path = u -> api -> d, op = read }
            }"#,
        );
        let item = of(&ranked, "scatter-gather-on-hot-path");
        assert_eq!(item.change.as_ref().unwrap().what, "fanout = one");
        assert!(item.p99_gain_ms > 0.0);
        assert!(item.effects.iter().any(|effect| matches!(effect, Effect::P99 { .. })));
    }

    #[test]
    fn one_change_asked_for_by_several_findings_is_listed_once_with_all_of_them() {
        // lb is unreplicated, and the weakest factor of both flows, which
        // miss their availability SLO: three findings, one change (the
        // balancer's fix includes the `replicas = 2` the SLO findings ask for).
        let (_, ranked) = ranked(
            r#"system s {
              slo { availability = 99.9% }
              client u { rps = 1k }
              load_balancer lb
              service api { replicas = 3, rate_limit = token_bucket { capacity = 10, refill = 1/s, per = user } }
              database db : cassandra { replication = quorum { n = 3, r = 1, w = 1 } }
              u -> lb -> api -> db
              flow read { path = u -> lb -> api -> db, op = read }
              flow write { path = u -> lb -> api -> db, op = write }
            }"#,
        );
        let lb: Vec<&Improvement> = ranked
            .iter()
            .filter(|item| item.change.as_ref().is_some_and(|change| change.on == "lb"))
            .collect();
        assert_eq!(lb.len(), 1, "{ranked:#?}");
        let change = lb[0].change.as_ref().unwrap();
        assert_eq!(change.what, "replicas = 2, mode = active_passive");
        let mut fixes: Vec<(&str, Option<&str>)> = lb[0]
            .findings
            .iter()
            .map(|finding| (finding.code.as_str(), finding.subject.as_deref()))
            .collect();
        fixes.sort_unstable();
        assert_eq!(
            fixes,
            vec![
                ("availability-below-slo", Some("flow read")),
                ("availability-below-slo", Some("flow write")),
                ("unreplicated-load-balancer", Some("lb")),
            ]
        );
        // The effects are the change's, once.
        let availability = lb[0]
            .effects
            .iter()
            .filter(|effect| matches!(effect, Effect::Availability { .. }))
            .count();
        assert_eq!(availability, 2);
    }

    #[test]
    fn a_larger_replica_count_covers_a_smaller_one_on_the_same_component() {
        let two = Change::new("api", vec![Setting::count("replicas", "replicas = 2", 2)]);
        let four = Change::new("api", vec![Setting::count("replicas", "replicas = 4", 4)]);
        let elsewhere = Change::new("web", vec![Setting::count("replicas", "replicas = 4", 4)]);
        assert!(four.covers(&two) && !two.covers(&four));
        assert!(!elsewhere.covers(&two));
        let failover = Change::new("db", vec![Setting::new("failover", "failover = auto")]);
        assert!(failover.covers(&failover.clone()));
    }

    #[test]
    fn findings_without_a_fix_come_last_by_severity() {
        let (_, ranked) = ranked(
            r#"system s {
              client u { rps = 10 }
              load_balancer lb { algorithm = ip_hash }
              service api { replicas = 2 }
              service old_api { replicas = 2 }
              service older_api { replicas = 2 }
              u -> lb -> api
              flow f { path = u -> lb -> api }
            }"#,
        );
        let first_unfixed = ranked.iter().position(|item| item.change.is_none()).unwrap();
        assert!(ranked[..first_unfixed].iter().all(|item| item.change.is_some()));
        let severities: Vec<Severity> = ranked[first_unfixed..]
            .iter()
            .map(|item| item.findings[0].severity)
            .collect();
        assert!(severities.windows(2).all(|pair| pair[0] >= pair[1]), "{severities:?}");
        assert_eq!(ranked[0].findings[0].code, "unreplicated-load-balancer");
    }
}
