//! What if some components fail, or a region is cut off (`hld what-if`,
//! and "what breaks if X fails" in `hld explain`): which flows fail, which
//! get slower or less available, how load moves and which queues start to
//! grow. The semantics are in docs/explain.md; in short:
//!
//! - a failed component is down with all its replicas (a database with all
//!   its nodes); a flow whose synchronous part needs it fails;
//! - a failed cdn or optional cache (`cache_aside`, `read_through`) that the
//!   request goes on past is bypassed: every request takes the miss path
//!   (the latency of a miss, the load of a miss on what follows);
//! - a failure in a flow's background part stops the work at the stage
//!   that needs it: the queue that feeds that stage stops draining for it
//!   (its consumer takes nothing), or, behind a fire-and-forget hop, the
//!   work is lost;
//! - `partition = R` cuts every link between a component in R and one
//!   outside it (components without a region are outside every region): a
//!   flow fails when its synchronous part crosses the cut.
//!
//! New figures come from the estimate engine itself, run on a copy of the
//! design with the failure applied (paths cut where requests stop, bypassed
//! caches at hit ratio 0, stalled consumers taking nothing), so no formula
//! is written twice. Only what the failure reaches is re-run: the flows
//! through the failed components (every flow for a partition) and the
//! capacity model on the flows that share queue consumers with them
//! (`CapacityBase::recompute`), the same figures as a whole re-run to the
//! bit; `hld explain` asks once per component. Pure: no IO, no findings.

use std::collections::BTreeSet;

use super::capacity::{CapacityBase, ComponentLoad, QueueLoad, Stalled};
use super::dist::LawCache;
use super::moves::{self, Reroute};
use super::queueing::Loading;
use super::{Estimates, FlowEstimate, FlowStatus, estimate, flow_estimate};
use crate::model::{ComponentId, Design, Flow, FlowId, Kind, LinkId, RegionId, VisitId, VisitSync};

/// What fails.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scenario {
    /// Components that are down, with every replica; sorted, each once.
    pub failed: Vec<ComponentId>,
    /// A region cut off from every other region and from the components
    /// that have none.
    pub partition: Option<RegionId>,
}

impl Scenario {
    pub fn fail(components: impl IntoIterator<Item = ComponentId>) -> Scenario {
        let failed: BTreeSet<ComponentId> = components.into_iter().collect();
        Scenario {
            failed: failed.into_iter().collect(),
            partition: None,
        }
    }

    pub fn partition(region: RegionId) -> Scenario {
        Scenario {
            failed: Vec::new(),
            partition: Some(region),
        }
    }

    pub fn is_down(&self, id: ComponentId) -> bool {
        self.failed.binary_search(&id).is_ok()
    }

    /// Whether the partition cuts this link (its ends on different sides).
    pub fn cuts(&self, design: &Design, link: LinkId) -> bool {
        let Some(region) = self.partition else {
            return false;
        };
        let link = design.link(link);
        let inside = |id: ComponentId| design.component(id).region == Some(region);
        inside(link.from) != inside(link.to)
    }
}

/// Where a flow's requests (or its background work) stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// A component that is down and cannot be bypassed.
    Down(ComponentId),
    /// A link the partition cuts.
    Cut(LinkId),
}

/// Background work that stops.
#[derive(Clone, Debug, PartialEq)]
pub struct BackgroundStop {
    pub at: Break,
    /// The queue that holds the messages the stalled stage no longer takes;
    /// `None` behind a fire-and-forget hop (the work is lost).
    pub held_by: Option<ComponentId>,
    /// The consumer of `held_by` that stops taking this flow's messages.
    pub stalled_consumer: Option<ComponentId>,
}

/// A flow's SLO verdict before the scenario and under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SloChange {
    /// Met before, met under the scenario.
    StillMet,
    /// Met before, missed under the scenario (a flow that fails misses it).
    NowMissed,
    /// Missed before, and still missed.
    StillMissed,
    /// Missed before, met under the scenario (a failed cdn or cache no
    /// longer counts towards availability).
    NowMet,
}

impl SloChange {
    pub fn new(met_before: bool, met_after: bool) -> SloChange {
        match (met_before, met_after) {
            (true, true) => SloChange::StillMet,
            (true, false) => SloChange::NowMissed,
            (false, false) => SloChange::StillMissed,
            (false, true) => SloChange::NowMet,
        }
    }

    /// `still_met`, `now_missed`, `still_missed`, `now_met`.
    pub fn as_str(self) -> &'static str {
        match self {
            SloChange::StillMet => "still_met",
            SloChange::NowMissed => "now_missed",
            SloChange::StillMissed => "still_missed",
            SloChange::NowMet => "now_met",
        }
    }
}

/// One flow under the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowWhatIf {
    pub flow: FlowId,
    pub rps: f64,
    pub before: FlowEstimate,
    /// `None` when the flow fails.
    pub after: Option<FlowEstimate>,
    /// Where the synchronous part breaks, when the flow fails.
    pub failed_at: Option<Break>,
    /// Failed cdns and caches its requests now go past on the miss path.
    pub bypassed: Vec<ComponentId>,
    pub background: Option<BackgroundStop>,
    /// Whether it met its SLO before and meets it under the scenario;
    /// `None` when it has no SLO.
    pub slo: Option<SloChange>,
    /// Where its load went from a failed balancer target (language.md §6):
    /// empty unless it moved.
    pub moved: Vec<Moved>,
}

/// A share of a flow's load that a balancer sent to a surviving target of
/// the failed one's role.
#[derive(Clone, Debug, PartialEq)]
pub struct Moved {
    pub from: ComponentId,
    pub to: ComponentId,
    /// Of the flow's rps.
    pub share: f64,
}

impl FlowWhatIf {
    fn new(flow: FlowId, before: &FlowEstimate, after: Option<FlowEstimate>, trace: Trace) -> FlowWhatIf {
        let slo = before.slo.as_ref().map(|verdict| {
            let met_after = after
                .as_ref()
                .and_then(|after| after.slo.as_ref())
                .is_some_and(|verdict| verdict.met);
            SloChange::new(verdict.met, met_after)
        });
        FlowWhatIf {
            flow,
            rps: before.rps,
            before: before.clone(),
            after,
            slo,
            failed_at: trace.failed_at,
            bypassed: trace.bypassed,
            background: trace.background,
            moved: Vec::new(),
        }
    }

    pub fn failed(&self) -> bool {
        self.after.is_none()
    }

    /// (before, after) of the mean and each percentile; none when it fails.
    fn latency_pairs(&self) -> [(f64, f64); 4] {
        let Some(after) = &self.after else {
            return [(0.0, 0.0); 4];
        };
        let (b, a) = (&self.before.latency, &after.latency);
        [
            (b.mean_ms, a.mean_ms),
            (b.p50_ms, a.p50_ms),
            (b.p95_ms, a.p95_ms),
            (b.p99_ms, a.p99_ms),
        ]
    }

    /// Mean or a percentile got worse by more than round-off.
    pub fn slower(&self) -> bool {
        self.latency_pairs()
            .iter()
            .any(|(before, after)| worse(*before, *after))
    }

    pub fn less_available(&self) -> bool {
        self.after
            .as_ref()
            .is_some_and(|after| after.availability < self.before.availability - 1e-15)
    }

    /// Served before, overloaded under the scenario (language.md §6).
    pub fn overloaded(&self) -> bool {
        self.after
            .as_ref()
            .is_some_and(|after| after.status == FlowStatus::Overloaded)
    }

    /// Mean or a percentile got better by more than round-off.
    pub fn faster(&self) -> bool {
        self.latency_pairs()
            .iter()
            .any(|(before, after)| worse(*after, *before))
    }

    pub fn more_available(&self) -> bool {
        self.after
            .as_ref()
            .is_some_and(|after| after.availability > self.before.availability + 1e-15)
    }

    /// Served as before with the same figures (to round-off: what is
    /// printed is the same), nothing about how it is served changed.
    pub fn unchanged(&self) -> bool {
        self.after
            .as_ref()
            .is_some_and(|after| after.status == self.before.status)
            && !self.slower()
            && !self.faster()
            && !self.less_available()
            && !self.more_available()
            && self.background.is_none()
            && self.bypassed.is_empty()
            && self.moved.is_empty()
    }

    /// Served as before, and faster or more available, nothing worse: load
    /// the scenario took off a component it passes shortened its waits
    /// (language.md §6).
    pub fn improved(&self) -> bool {
        !self.failed()
            && !self.overloaded()
            && !self.slower()
            && !self.less_available()
            && (self.faster() || self.more_available())
            && self.background.is_none()
            && self.bypassed.is_empty()
            && self.moved.is_empty()
    }
}

fn worse(before: f64, after: f64) -> bool {
    after > before + 1e-9 * before.abs().max(1.0)
}

/// One component's load before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentWhatIf {
    pub component: ComponentId,
    pub down: bool,
    pub before: ComponentLoad,
    /// `None` when the component is down.
    pub after: Option<ComponentLoad>,
}

impl ComponentWhatIf {
    pub fn changed(&self) -> bool {
        match &self.after {
            None => true,
            Some(after) => (after.load_rps - self.before.load_rps).abs() > 1e-9 * self.before.load_rps.abs().max(1.0),
        }
    }
}

/// One queue's rates before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueWhatIf {
    pub queue: ComponentId,
    pub down: bool,
    pub before: QueueLoad,
    pub after: QueueLoad,
}

impl QueueWhatIf {
    /// It grows faster than before: producers keep sending, consumers are
    /// gone or stalled.
    pub fn starts_to_grow(&self) -> bool {
        !self.down && worse(self.before.growth_per_hour, self.after.growth_per_hour)
    }
}

/// Everything `hld what-if` reports.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIf {
    pub scenario: Scenario,
    pub flows: Vec<FlowWhatIf>,
    /// Every component but clients, in declaration order.
    pub components: Vec<ComponentWhatIf>,
    pub queues: Vec<QueueWhatIf>,
}

impl WhatIf {
    pub fn failed_flows(&self) -> impl Iterator<Item = &FlowWhatIf> {
        self.flows.iter().filter(|flow| flow.failed())
    }

    pub fn growing_queues(&self) -> impl Iterator<Item = &QueueWhatIf> {
        self.queues.iter().filter(|queue| queue.starts_to_grow())
    }
}

/// How one flow fares: where it breaks, what it bypasses, and the visits
/// it still makes.
#[derive(Clone, Debug, Default, PartialEq)]
struct Trace {
    failed_at: Option<Break>,
    bypassed: Vec<ComponentId>,
    background: Option<BackgroundStop>,
    /// The visits still made (`Flow::retain_visits`), when some are not.
    keep: Option<Vec<bool>>,
}

/// Walks a flow's call tree under the scenario (visits in order, callers
/// before their calls), from visit `start` (nothing before it is down or
/// cut).
fn trace(design: &Design, flow: FlowId, scenario: &Scenario, start: usize) -> Trace {
    let flow = design.flow(flow);
    let states = flow.visit_sync(design);
    let waits = |visit: usize| {
        flow.visits
            .get(visit)
            .and_then(|visit| visit.link)
            .is_some_and(|link| design.link_waits(link))
    };
    let mut out = Trace::default();
    for (position, visit) in flow.visits.iter().enumerate().skip(start) {
        let id = visit.component;
        let broken = match visit.link {
            Some(link) if scenario.cuts(design, link) => Some(Break::Cut(link)),
            _ if scenario.is_down(id) => {
                if goes_past(design, flow, position) {
                    if !out.bypassed.contains(&id) {
                        out.bypassed.push(id);
                    }
                    None
                } else {
                    Some(Break::Down(id))
                }
            }
            _ => None,
        };
        let Some(at) = broken else {
            continue;
        };
        if states[position] != VisitSync::Background {
            out.failed_at = Some(at);
            out.keep = Some(flow.stopped_by(position));
            return out;
        }
        // The background stage that needs it starts after the last hop
        // nobody waits for, inside the background part: a waited-for hop
        // out of a queue (`mode = sync` to its consumer) does not lead back
        // into the request's own part.
        let mut start = position;
        while waits(start)
            && let Some(parent) = flow.visits[start].parent
            && states[parent] == VisitSync::Background
        {
            start = parent;
        }
        let holder = flow.visits[start]
            .parent
            .map(|parent| flow.visits[parent].component)
            .filter(|id| design.component(*id).kind == Kind::Queue);
        out.background = Some(BackgroundStop {
            at,
            held_by: holder,
            stalled_consumer: holder.map(|_| flow.visits[start].component),
        });
        let mut keep = vec![true; flow.visits.len()];
        keep[start] = false;
        out.keep = Some(keep);
        return out;
    }
    out
}

/// Whether a request goes on past this visit when its component is down:
/// a cdn or optional cache (`cache_aside`, `read_through`) with a
/// waited-for call, its miss path to the origin. The stubs of
/// `hld compose` go past it the same way.
pub fn goes_past(design: &Design, flow: &Flow, visit: VisitId) -> bool {
    let component = design.component(flow.visits[visit].component);
    let skippable = component.kind == Kind::Cdn || component.is_optional_cache();
    skippable
        && flow.visits[visit].steps.iter().any(|step| {
            step.calls.iter().any(|call| {
                flow.visits
                    .get(*call)
                    .and_then(|callee| callee.link)
                    .is_some_and(|link| design.link_waits(link))
            })
        })
}

/// The expected attempts of a flow cut by the scenario, on its kept
/// visits: at the loads before retries, with what it breaks at down.
fn cut_attempts(
    design: &Design,
    id: FlowId,
    keep: &[bool],
    trace: &Trace,
    scenario: &Scenario,
    loading: &Loading,
    cache: &mut LawCache,
) -> Option<Vec<f64>> {
    let flow = design.flow(id);
    let mut down = scenario.failed.clone();
    for at in [trace.failed_at, trace.background.as_ref().map(|stop| stop.at)]
        .into_iter()
        .flatten()
    {
        if let Break::Cut(link) = at {
            down.push(design.link(link).to);
        }
    }
    let all = super::retry::flow_attempts(design, flow, &loading.with_down(&down), cache)?;
    let kept = flow.kept_visits(keep);
    Some(
        all.into_iter()
            .zip(kept)
            .filter_map(|(value, kept)| kept.then_some(value))
            .collect(),
    )
}

/// Runs scenarios against one design, computing the baseline once.
pub struct WhatIfEngine<'a> {
    design: &'a Design,
    baseline: Estimates,
    base: CapacityBase,
    /// A copy of the design that each run changes and puts back, so that a
    /// run costs what the scenario reaches, not a copy of the design.
    work: Design,
    cache: LawCache,
    /// The baseline's loads as visits see them.
    loading: Loading,
    /// Whether a failed balancer target's flows move to its role's
    /// survivors (off for the run on the moved copies themselves).
    moves_load: bool,
}

/// What a run reports about components and queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Every component and queue the changed flows reach, with its figures
    /// after the change (`hld what-if`).
    Reached,
    /// Only those whose figures can rise (`hld explain` reports rising load
    /// and growing queues): a flow that is only cut short, on a path
    /// nothing else changes and with no queue consumer in reach, can only
    /// take load away, so it is left out of the capacity re-run. A failure
    /// then costs the flows it cuts, not their whole paths.
    Rises,
}

impl<'a> WhatIfEngine<'a> {
    pub fn new(design: &'a Design) -> WhatIfEngine<'a> {
        WhatIfEngine::with_baseline(design, estimate(design, None))
    }

    /// With a baseline already computed (`estimate(design, None)`).
    pub fn with_baseline(design: &'a Design, baseline: Estimates) -> WhatIfEngine<'a> {
        let loading = Loading::new(design, &baseline.capacity);
        WhatIfEngine {
            design,
            baseline,
            base: CapacityBase::new(design),
            work: design.clone(),
            cache: LawCache::new(),
            loading,
            moves_load: true,
        }
    }

    pub fn baseline(&self) -> &Estimates {
        &self.baseline
    }

    /// The design under the scenario: every flow, every component but
    /// clients and every queue, as `hld what-if` prints them.
    pub fn run(&mut self, scenario: &Scenario) -> WhatIf {
        let changes = self.run_changes(scenario, Detail::Reached);
        let mut flows = Vec::with_capacity(self.design.flows.len());
        let mut changed_flows = changes.flows.into_iter().peekable();
        for (id, before) in self.design.flow_ids().zip(&self.baseline.flows) {
            match changed_flows.next_if(|flow| flow.flow == id) {
                Some(flow) => flows.push(flow),
                None => flows.push(FlowWhatIf::new(id, before, Some(before.clone()), Trace::default())),
            }
        }
        let mut changed_components = changes.components.into_iter().peekable();
        let components = self
            .baseline
            .capacity
            .components
            .iter()
            .map(
                |load| match changed_components.next_if(|c| c.component == load.component) {
                    Some(component) => component,
                    None => ComponentWhatIf {
                        component: load.component,
                        down: scenario.is_down(load.component),
                        before: load.clone(),
                        after: (!scenario.is_down(load.component)).then(|| load.clone()),
                    },
                },
            )
            .collect();
        let mut changed_queues = changes.queues.into_iter().peekable();
        let queues = self
            .baseline
            .capacity
            .queues
            .iter()
            .map(|load| match changed_queues.next_if(|q| q.queue == load.queue) {
                Some(queue) => queue,
                None => QueueWhatIf {
                    queue: load.queue,
                    down: scenario.is_down(load.queue),
                    before: load.clone(),
                    after: load.clone(),
                },
            })
            .collect();
        WhatIf {
            scenario: scenario.clone(),
            flows,
            components,
            queues,
        }
    }

    /// The design under the scenario, keeping only what it can change: the
    /// flows that fail, bypass a cache or lose background work, and the
    /// components and queues their flows reach (the others are as in the
    /// baseline), each list in declaration order. Costs what the scenario
    /// reaches: the flows through the failed components (every flow for a
    /// partition), the capacity model re-run on the flows that share queue
    /// consumers with them, latency only for flows that now miss a cache.
    pub fn run_changes(&mut self, scenario: &Scenario, detail: Detail) -> WhatIf {
        let design = self.design;
        if let Some(moved) = self.moves(scenario).filter(|_| self.moves_load) {
            return self.run_moved(scenario, &moved);
        }
        // Each candidate flow with the first position that can break: the
        // first failed component on its path (a partition walks it all).
        let candidates: Vec<(FlowId, usize)> = if scenario.partition.is_some() {
            design.flow_ids().map(|id| (id, 0)).collect()
        } else {
            let mut flows: Vec<(FlowId, usize)> = scenario
                .failed
                .iter()
                .flat_map(|id| self.base.first_positions(*id))
                .collect();
            flows.sort_unstable();
            flows.dedup_by_key(|(flow, _)| *flow);
            flows
        };
        let traces: Vec<(FlowId, Trace)> = candidates
            .into_iter()
            .map(|(id, start)| (id, trace(design, id, scenario, start)))
            .filter(|(_, trace)| *trace != Trace::default())
            .collect();
        let mut stalled = Stalled::new();
        let mut seeds: Vec<ComponentId> = scenario.failed.clone();
        // Flows only cut short, left out of the capacity re-run (Detail::Rises).
        let mut cut_only: Vec<(FlowId, Vec<bool>)> = Vec::new();
        // Retries into what now fails: every attempt fails, so the hops
        // above it send all of theirs (language.md §7).
        let mut attempts: Vec<(FlowId, Option<Vec<f64>>)> = Vec::new();
        for (id, trace) in &traces {
            if let Some(keep) = &trace.keep
                && super::retry::flow_retries(design, design.flow(*id))
            {
                attempts.push((
                    *id,
                    cut_attempts(
                        design,
                        *id,
                        keep,
                        trace,
                        scenario,
                        &self.base.attempt_loading,
                        &mut self.cache,
                    ),
                ));
            }
        }
        for (id, trace) in &traces {
            if detail == Detail::Rises
                && trace.bypassed.is_empty()
                && let Some(keep) = &trace.keep
                && self.base.without_consumers(*id)
                && attempts.binary_search_by_key(id, |(flow, _)| *flow).is_err()
            {
                let kept = design.flow(*id).kept_visits(keep);
                // Load taken off a component with a capacity shortens the
                // waits of the other flows through it, and a saturated one
                // then serves more of theirs (what is below it rises): the
                // flow must be re-run.
                let frees_capacity = design
                    .flow(*id)
                    .visits
                    .iter()
                    .zip(&kept)
                    .any(|(visit, kept)| !kept && self.loading.utilization(visit.component).is_some());
                if !frees_capacity {
                    cut_only.push((*id, kept));
                    continue;
                }
            }
            if let Some(keep) = &trace.keep {
                self.work.flows[id.index()].retain_visits(keep);
            }
            if let Some(BackgroundStop {
                held_by: Some(queue),
                stalled_consumer: Some(consumer),
                ..
            }) = &trace.background
            {
                stalled.insert((*queue, *consumer));
            }
        }
        if scenario.partition.is_some() {
            // A consumer cut off from its queue takes nothing from it,
            // whether or not a flow names the hop.
            for link_id in design.link_ids() {
                if scenario.cuts(design, link_id) {
                    let link = design.link(link_id);
                    seeds.extend([link.from, link.to]);
                    if design.component(link.from).kind == Kind::Queue {
                        stalled.insert((link.from, link.to));
                    }
                }
            }
        }
        for &id in &scenario.failed {
            // A consumer that is down takes nothing from any of its queues.
            for queue in self.base.feeds(id) {
                stalled.insert((*queue, id));
            }
            // Bypassed where it is on the way: every lookup misses, and it
            // no longer counts towards availability.
            let component = &mut self.work.components[id.index()];
            if component.kind == Kind::Cdn || component.is_optional_cache() {
                component.hit_ratio_declared = Some(0.0);
                component.availability = 1.0;
            }
        }
        let capacity = self
            .base
            .recompute_without(&self.work, &stalled, &seeds, &cut_only, &attempts);
        // Load that moved changes waits and can saturate (language.md §6):
        // the loads after the change, and the flows through every component
        // whose utilization moved are estimated again.
        let mut loading = self.loading.clone();
        let moved = loading.update(&self.baseline.capacity, &capacity, |id| scenario.is_down(id));
        let mut traces = traces;
        if !moved.is_empty() {
            let mut extra: Vec<FlowId> = moved.iter().flat_map(|id| self.base.flows_through(*id)).collect();
            extra.sort_unstable();
            extra.dedup();
            let traced: Vec<FlowId> = traces.iter().map(|(id, _)| *id).collect();
            traces.extend(
                extra
                    .into_iter()
                    .filter(|id| traced.binary_search(id).is_err())
                    .map(|id| (id, Trace::default())),
            );
            traces.sort_by_key(|(id, _)| *id);
        }
        let moved_on = |design: &Design, flow: FlowId| {
            !moved.is_empty()
                && design
                    .flow(flow)
                    .visits
                    .iter()
                    .any(|visit| moved.binary_search(&visit.component).is_ok())
        };
        let mut flows = Vec::with_capacity(traces.len());
        for (id, trace) in traces {
            let before = &self.baseline.flows[id.index()];
            let after = if trace.failed_at.is_some() {
                None
            } else if trace.bypassed.is_empty() && !moved_on(&self.work, id) {
                Some(before.clone())
            } else {
                let mut after = flow_estimate(&self.work, &loading, id, &mut self.cache);
                // The copy's paths may be cut in the background: report the
                // background the design declares.
                after.background.clone_from(&before.background);
                Some(after)
            };
            flows.push(FlowWhatIf::new(id, before, after, trace));
        }
        // Put the copy back as it was (the cut-only flows were not cut).
        for flow in &flows {
            if cut_only.binary_search_by_key(&flow.flow, |(id, _)| *id).is_ok() {
                continue;
            }
            let (work, original) = (&mut self.work.flows[flow.flow.index()], design.flow(flow.flow));
            work.path.clone_from(&original.path);
            work.hops.clone_from(&original.hops);
            work.visits.clone_from(&original.visits);
        }
        for &id in &scenario.failed {
            let (work, original) = (&mut self.work.components[id.index()], design.component(id));
            work.hit_ratio_declared = original.hit_ratio_declared;
            work.availability = original.availability;
        }
        let before = &self.baseline.capacity;
        let components = capacity
            .components
            .into_iter()
            .filter_map(|after| {
                let id = after.component;
                let down = scenario.is_down(id);
                Some(ComponentWhatIf {
                    component: id,
                    down,
                    before: before.component(id)?.clone(),
                    after: (!down).then_some(after),
                })
            })
            .collect();
        let queues = capacity
            .queues
            .into_iter()
            .filter_map(|after| {
                let id = after.queue;
                Some(QueueWhatIf {
                    queue: id,
                    down: scenario.is_down(id),
                    before: before.queue(id)?.clone(),
                    after,
                })
            })
            .collect();
        WhatIf {
            scenario: scenario.clone(),
            flows,
            components,
            queues,
        }
    }
}

impl WhatIfEngine<'_> {
    /// The flows whose load moves to surviving targets of a failed
    /// balancer target's role, each with its copies ([`moves::reroutes`]).
    fn moves(&self, scenario: &Scenario) -> Option<Vec<(FlowId, Vec<Reroute>)>> {
        let design = self.design;
        let gone = |link: LinkId| scenario.is_down(design.link(link).to) || scenario.cuts(design, link);
        let mut candidates: Vec<FlowId> = if scenario.partition.is_some() {
            design.flow_ids().collect()
        } else {
            scenario
                .failed
                .iter()
                .flat_map(|id| self.base.flows_through(*id))
                .collect()
        };
        candidates.sort_unstable();
        candidates.dedup();
        let moved: Vec<(FlowId, Vec<Reroute>)> = candidates
            .into_iter()
            .filter_map(|id| {
                moves::reroutes(design, design.flow(id), &gone, &|c| scenario.is_down(c)).map(|copies| (id, copies))
            })
            .collect();
        (!moved.is_empty()).then_some(moved)
    }

    /// The scenario when load moves: run on a design where each moved flow
    /// is its copies (the first in its place, the others after the
    /// design's flows), against that design's own baseline (the load
    /// already moved), then each flow put back together from its copies
    /// and reported against this design's baseline. Lists only what
    /// changes, as [`WhatIfEngine::run_changes`] does.
    fn run_moved(&mut self, scenario: &Scenario, moved: &[(FlowId, Vec<Reroute>)]) -> WhatIf {
        let design = self.design;
        let mut changed = design.clone();
        // Per moved flow: its copies' ids in `changed` with their shares,
        // and where its load went.
        type Copies = (FlowId, Vec<(FlowId, f64)>, Vec<Moved>);
        let mut copies_of: Vec<Copies> = Vec::with_capacity(moved.len());
        for (id, reroutes) in moved {
            let mut copies = Vec::with_capacity(reroutes.len());
            let mut moves = Vec::new();
            for (idx, reroute) in reroutes.iter().enumerate() {
                let slot = if idx == 0 {
                    changed.flows[id.index()] = reroute.flow.clone();
                    *id
                } else {
                    changed.flows.push(reroute.flow.clone());
                    FlowId((changed.flows.len() - 1) as u32)
                };
                copies.push((slot, reroute.share));
                for (from, to) in &reroute.moves {
                    match moves.iter_mut().find(|m: &&mut Moved| m.from == *from && m.to == *to) {
                        Some(known) => known.share += reroute.share,
                        None => moves.push(Moved {
                            from: *from,
                            to: *to,
                            share: reroute.share,
                        }),
                    }
                }
            }
            copies_of.push((*id, copies, moves));
        }
        // The copies are every move there is (moves::reroutes walks nested
        // balancers itself, and a copy over its cap fails): the run on
        // them moves nothing again.
        let mut engine = WhatIfEngine::new(&changed);
        engine.moves_load = false;
        let inner = engine.run(scenario);
        let mut flows = Vec::new();
        for (id, before) in design.flow_ids().zip(&self.baseline.flows) {
            let flow = match copies_of.iter().find(|(flow, _, _)| *flow == id) {
                Some((_, copies, moves)) => {
                    let parts: Vec<(Option<FlowEstimate>, f64)> = copies
                        .iter()
                        .map(|(slot, share)| (inner.flows[slot.index()].after.clone(), *share))
                        .collect();
                    let after = moves::combine(design.flow(id), &parts);
                    let first = &inner.flows[id.index()];
                    let mut bypassed: Vec<ComponentId> = Vec::new();
                    for (slot, _) in copies {
                        for component in &inner.flows[slot.index()].bypassed {
                            if !bypassed.contains(component) {
                                bypassed.push(*component);
                            }
                        }
                    }
                    let trace = Trace {
                        failed_at: if after.is_none() { first.failed_at } else { None },
                        bypassed,
                        background: first.background.clone(),
                        keep: None,
                    };
                    let mut flow = FlowWhatIf::new(id, before, after, trace);
                    flow.moved.clone_from(moves);
                    flow
                }
                None => {
                    let inner = &inner.flows[id.index()];
                    let trace = Trace {
                        failed_at: inner.failed_at,
                        bypassed: inner.bypassed.clone(),
                        background: inner.background.clone(),
                        keep: None,
                    };
                    FlowWhatIf::new(id, before, inner.after.clone(), trace)
                }
            };
            let same = format!("{:?}", flow.after.as_ref()) == format!("{:?}", Some(before))
                && flow.moved.is_empty()
                && flow.bypassed.is_empty()
                && flow.background.is_none();
            if !same {
                flows.push(flow);
            }
        }
        let components = self
            .baseline
            .capacity
            .components
            .iter()
            .filter_map(|before| {
                let now = inner.components.iter().find(|c| c.component == before.component)?;
                let component = ComponentWhatIf {
                    component: before.component,
                    down: now.down,
                    before: before.clone(),
                    after: now.after.clone(),
                };
                let same = format!("{:?}", component.after.as_ref()) == format!("{:?}", Some(before));
                (!same || component.down).then_some(component)
            })
            .collect();
        let queues = self
            .baseline
            .capacity
            .queues
            .iter()
            .filter_map(|before| {
                let now = inner.queues.iter().find(|q| q.queue == before.queue)?;
                let queue = QueueWhatIf {
                    queue: before.queue,
                    down: now.down,
                    before: before.clone(),
                    after: now.after.clone(),
                };
                let same = format!("{:?}", queue.after) == format!("{before:?}");
                (!same || queue.down).then_some(queue)
            })
            .collect();
        WhatIf {
            scenario: scenario.clone(),
            flows,
            components,
            queues,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::capacity::{Capacity, capacity_shaped};
    use crate::estimate::{corpus, test_design};

    /// The plain computation `run` replaces: the scenario applied to a copy
    /// of the whole design, the capacity model run over all of it.
    fn reference(design: &Design, baseline: &Estimates, scenario: &Scenario) -> WhatIf {
        let mut cache = LawCache::new();
        let traces: Vec<Trace> = design.flow_ids().map(|id| trace(design, id, scenario, 0)).collect();
        let mut changed = design.clone();
        let mut stalled = Stalled::new();
        for (flow, trace) in changed.flows.iter_mut().zip(&traces) {
            if let Some(keep) = &trace.keep {
                flow.retain_visits(keep);
            }
            if let Some(BackgroundStop {
                held_by: Some(queue),
                stalled_consumer: Some(consumer),
                ..
            }) = &trace.background
            {
                stalled.insert((*queue, *consumer));
            }
        }
        for link_id in design.link_ids() {
            let link = design.link(link_id);
            if scenario.cuts(design, link_id) && design.component(link.from).kind == Kind::Queue {
                stalled.insert((link.from, link.to));
            }
        }
        for &id in &scenario.failed {
            for link in &design.links {
                if link.to == id && design.component(link.from).kind == Kind::Queue {
                    stalled.insert((link.from, id));
                }
            }
            let component = &mut changed.components[id.index()];
            if component.kind == Kind::Cdn || component.is_optional_cache() {
                component.hit_ratio_declared = Some(0.0);
                component.availability = 1.0;
            }
        }
        let first = capacity_shaped(design, &Stalled::new(), None);
        let attempt_loading = Loading::new(design, &first);
        let mut attempts = if crate::estimate::retry::has_retries(design) {
            crate::estimate::retry::expected_attempts(design, &first)
        } else {
            vec![None; design.flows.len()]
        };
        for (idx, trace) in traces.iter().enumerate() {
            let id = FlowId(idx as u32);
            if let Some(keep) = &trace.keep
                && crate::estimate::retry::flow_retries(design, design.flow(id))
            {
                attempts[idx] = cut_attempts(design, id, keep, trace, scenario, &attempt_loading, &mut cache);
            }
        }
        let capacity: Capacity = capacity_shaped(&changed, &stalled, Some(&attempts));
        let mut loading = Loading::new(design, &baseline.capacity);
        let mut moved = Vec::new();
        for after in &capacity.components {
            let before = baseline
                .capacity
                .component(after.component)
                .and_then(|load| load.utilization);
            if after.utilization.map(f64::to_bits) != before.map(f64::to_bits) && !scenario.is_down(after.component) {
                loading.set(after.component, after.utilization);
                moved.push(after.component);
            }
        }
        let mut flows = Vec::new();
        for ((id, trace), before) in design.flow_ids().zip(traces).zip(&baseline.flows) {
            let moved_on = changed
                .flow(id)
                .visits
                .iter()
                .any(|visit| moved.contains(&visit.component));
            let after = if trace.failed_at.is_some() {
                None
            } else if trace.bypassed.is_empty() && !moved_on {
                Some(before.clone())
            } else {
                let mut after = flow_estimate(&changed, &loading, id, &mut cache);
                after.background.clone_from(&before.background);
                Some(after)
            };
            flows.push(FlowWhatIf::new(id, before, after, trace));
        }
        let components = baseline
            .capacity
            .components
            .iter()
            .map(|load| {
                let down = scenario.is_down(load.component);
                ComponentWhatIf {
                    component: load.component,
                    down,
                    before: load.clone(),
                    after: if down {
                        None
                    } else {
                        capacity.component(load.component).cloned()
                    },
                }
            })
            .collect();
        let queues = baseline
            .capacity
            .queues
            .iter()
            .map(|load| QueueWhatIf {
                queue: load.queue,
                down: scenario.is_down(load.queue),
                before: load.clone(),
                after: capacity
                    .queues
                    .iter()
                    .find(|queue| queue.queue == load.queue)
                    .cloned()
                    .unwrap_or_else(|| load.clone()),
            })
            .collect();
        WhatIf {
            scenario: scenario.clone(),
            flows,
            components,
            queues,
        }
    }

    #[test]
    fn every_scenario_matches_the_whole_design_re_run() {
        let mut checked = 0;
        for (name, design) in corpus::designs(&[100], 200) {
            let mut engine = WhatIfEngine::new(&design);
            let baseline = engine.baseline().clone();
            let mut scenarios: Vec<Scenario> = design.component_ids().map(|id| Scenario::fail([id])).collect();
            let n = design.components.len() as u32;
            if n > 3 {
                scenarios.push(Scenario::fail([ComponentId(1), ComponentId(n / 2), ComponentId(n - 1)]));
            }
            for region in 0..design.regions.len() {
                scenarios.push(Scenario::partition(RegionId(region as u32)));
                let mut both = Scenario::fail([ComponentId(n / 3)]);
                both.partition = Some(RegionId(region as u32));
                scenarios.push(both);
            }
            for scenario in &scenarios {
                // `reference` does not move load to a failed target's
                // survivors (language.md §6); moved runs are checked by
                // `moves`' tests and tests/it/local_stack.rs.
                if engine.moves(scenario).is_some() {
                    continue;
                }
                let expected = reference(&design, &baseline, scenario);
                let full = engine.run(scenario);
                // Debug text compares NaN too, bit for bit in what is printed.
                assert!(format!("{full:?}") == format!("{expected:?}"), "{name}: {scenario:?}");
                // What `run_changes` leaves out is unchanged.
                let changes = engine.run_changes(scenario, Detail::Reached);
                // Detail::Rises: the same flows; of the components and
                // queues, at least every one that rises or starts to grow,
                // each with the whole re-run's figures to the bit.
                let rises = engine.run_changes(scenario, Detail::Rises);
                // The same flows, but those only faster for the load that
                // the cut flows no longer bring (their waits fall).
                for flow in &changes.flows {
                    match rises.flows.iter().find(|f| f.flow == flow.flow) {
                        Some(rose) => assert!(format!("{rose:?}") == format!("{flow:?}"), "{name}: {scenario:?}"),
                        None => assert!(
                            !(flow.failed()
                                || flow.slower()
                                || flow.less_available()
                                || (flow.overloaded() && flow.before.status != FlowStatus::Overloaded)),
                            "{name}: {scenario:?}: {flow:?}"
                        ),
                    }
                }
                for component in &rises.components {
                    let whole = full.components.iter().find(|c| c.component == component.component);
                    assert_eq!(
                        format!("{:?}", Some(component)),
                        format!("{whole:?}"),
                        "{name}: {scenario:?}"
                    );
                }
                for component in &full.components {
                    let rose = match &component.after {
                        Some(after) => after.load_rps > component.before.load_rps,
                        None => false,
                    };
                    if rose {
                        assert!(
                            rises.components.iter().any(|c| c.component == component.component),
                            "{name}: {scenario:?}"
                        );
                    }
                }
                for queue in &rises.queues {
                    let whole = full.queues.iter().find(|q| q.queue == queue.queue);
                    assert_eq!(
                        format!("{:?}", Some(queue)),
                        format!("{whole:?}"),
                        "{name}: {scenario:?}"
                    );
                }
                for queue in full.growing_queues() {
                    assert!(
                        rises.queues.iter().any(|q| q.queue == queue.queue),
                        "{name}: {scenario:?}"
                    );
                }
                for flow in &full.flows {
                    if let Some(changed) = changes.flows.iter().find(|f| f.flow == flow.flow) {
                        assert_eq!(format!("{changed:?}"), format!("{flow:?}"), "{name}: {scenario:?}");
                    } else {
                        // Not reached: the baseline's figures to the bit
                        // (an overloaded flow stays overloaded, so it is
                        // not `unchanged()` in what-if's words).
                        assert!(
                            format!("{:?}", flow.after.as_ref()) == format!("{:?}", Some(&flow.before))
                                && !flow.failed()
                                && flow.bypassed.is_empty()
                                && flow.background.is_none(),
                            "{name}: {scenario:?} {flow:?}"
                        );
                    }
                }
                for component in &full.components {
                    match changes.components.iter().find(|c| c.component == component.component) {
                        Some(changed) => assert_eq!(format!("{changed:?}"), format!("{component:?}")),
                        None => assert!(!component.changed() && !component.down, "{name}"),
                    }
                }
                for queue in &full.queues {
                    match changes.queues.iter().find(|q| q.queue == queue.queue) {
                        Some(changed) => assert_eq!(format!("{changed:?}"), format!("{queue:?}")),
                        None => assert!(!queue.starts_to_grow() && queue.before == queue.after, "{name}"),
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 3000, "{checked}");
    }

    fn run(text: &str, failed: &[&str]) -> (Design, WhatIf) {
        let design = test_design(text);
        let scenario = Scenario::fail(failed.iter().map(|name| design.component_id(name).unwrap()));
        let what_if = WhatIfEngine::new(&design).run(&scenario);
        (design, what_if)
    }

    const LATENCY_MATH: &str = r#"system s {
      client browser { rps = 1k }
      cdn edge { hit_ratio = 0.8, ttl = 1h, latency = { p50 = 5ms, p99 = 5ms } }
      service app { replicas = 2, latency = { p50 = 10ms, p99 = 10ms } }
      cache redis_cache : redis {
        pattern = cache_aside, hit_ratio = 0.9, ttl = 10m, replicas = 2
        latency = { p50 = 1ms, p99 = 1ms }
      }
      database db : postgres {
        latency = { p50 = 100ms, p99 = 100ms }
        replication = primary_replica { replicas = 1, mode = sync, failover = auto }
      }
      browser -> edge { latency = 20ms }
      edge -> app { latency = 80ms }
      app -> redis_cache { latency = 1ms }
      redis_cache -> db { latency = 1ms }
      flow page { path = browser -> edge -> app -> redis_cache -> db, op = read }
    }"#;

    #[test]
    fn a_failed_cache_aside_cache_sends_every_request_down_the_miss_path() {
        let (design, what_if) = run(LATENCY_MATH, &["redis_cache"]);
        let flow = &what_if.flows[0];
        let after = flow.after.as_ref().unwrap();
        // 0.8 × 25 + 0.2 × 218 (hand arithmetic, latency_math.hld).
        assert!((after.latency.mean_ms - 63.6).abs() < 1e-9, "{}", after.latency.mean_ms);
        assert!((after.latency.p99_ms - 218.0).abs() < 1e-9);
        assert!((after.latency.p95_ms - 218.0).abs() < 1e-9);
        assert!((after.latency.p50_ms - 25.0).abs() < 1e-9);
        assert_eq!(flow.bypassed, vec![design.component_id("redis_cache").unwrap()]);
        let db = design.component_id("db").unwrap();
        let db_load = what_if.components.iter().find(|c| c.component == db).unwrap();
        assert!((db_load.before.load_rps - 20.0).abs() < 1e-9);
        assert!((db_load.after.as_ref().unwrap().load_rps - 200.0).abs() < 1e-9);
    }

    /// LATENCY_MATH with three flows on its path: one whose SLO a failed
    /// cache breaks, one already over its p99, one held back by the cdn's
    /// own availability.
    const SLO_FLOWS: &str = r#"system s {
      client browser { rps = 1k }
      cdn edge { hit_ratio = 0.8, ttl = 1h, latency = { p50 = 5ms, p99 = 5ms }, availability = 99% }
      service app { replicas = 2, latency = { p50 = 10ms, p99 = 10ms } }
      cache redis_cache : redis {
        pattern = cache_aside, hit_ratio = 0.9, ttl = 10m, replicas = 2
        latency = { p50 = 1ms, p99 = 1ms }
      }
      database db : postgres {
        latency = { p50 = 100ms, p99 = 100ms }
        replication = primary_replica { replicas = 1, mode = sync, failover = auto }
      }
      browser -> edge { latency = 20ms }
      edge -> app { latency = 80ms }
      app -> redis_cache { latency = 1ms }
      redis_cache -> db { latency = 1ms }
      flow met { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 300, slo = { p95 = 120ms } }
      flow missed { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 300, slo = { p99 = 100ms } }
      flow held { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 300, slo = { availability = 99.9% } }
      flow free { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 100 }
    }"#;

    #[test]
    fn the_slo_verdict_is_compared_before_and_after() {
        let slo = |what_if: &WhatIf| -> Vec<Option<SloChange>> { what_if.flows.iter().map(|flow| flow.slo).collect() };
        // A failed cache: every request past the edge reaches the database,
        // p95 117 ms → 218 ms.
        let (_, what_if) = run(SLO_FLOWS, &["redis_cache"]);
        assert_eq!(
            slo(&what_if),
            vec![
                Some(SloChange::NowMissed),
                Some(SloChange::StillMissed),
                Some(SloChange::StillMissed),
                None
            ]
        );
        // A failed cdn no longer counts: 99% was all that held `held` back.
        let (_, what_if) = run(SLO_FLOWS, &["edge"]);
        assert_eq!(what_if.flows[2].slo, Some(SloChange::NowMet));
        // A failed flow misses its SLO.
        let (_, what_if) = run(SLO_FLOWS, &["db"]);
        assert!(what_if.flows[0].failed());
        assert_eq!(what_if.flows[0].slo, Some(SloChange::NowMissed));
        assert_eq!(what_if.flows[1].slo, Some(SloChange::StillMissed));
    }

    #[test]
    fn a_failed_cdn_sends_requests_to_the_origin() {
        let (_, what_if) = run(LATENCY_MATH, &["edge"]);
        let after = what_if.flows[0].after.as_ref().unwrap();
        // 0.9 × 117 + 0.1 × 218
        assert!(
            (after.latency.mean_ms - 127.1).abs() < 1e-9,
            "{}",
            after.latency.mean_ms
        );
        // The cdn no longer counts: only db (any of 2 nodes) and app remain.
        let expected = (1.0 - 0.001f64.powi(2)) * (1.0 - 0.001f64.powi(2));
        assert!((after.availability - expected).abs() < 1e-15);
    }

    /// Two regions' api behind one balancer: api_a takes 600/s, api_b
    /// 300/s, each able to serve 2 × 400/s.
    const ROLES: &str = r#"system s {
      client users { rps = 900 }
      load_balancer lb { replicas = 2 }
      service api_a { role = api, replicas = 2, capacity = 400/s, latency = 10ms }
      service api_b { role = api, replicas = 2, capacity = 400/s, latency = 10ms }
      database db {
        replication = primary_replica { replicas = 1, mode = sync, failover = auto }
        latency = 5ms
      }
      users -> lb
      lb -> api_a
      lb -> api_b
      api_a -> db
      api_b -> db
      flow fa { path = users -> lb -> api_a -> db, rps = 600 }
      flow fb { path = users -> lb -> api_b -> db, rps = 300 }
    }"#;

    #[test]
    fn a_failed_target_moves_its_flows_to_the_same_role_and_can_saturate_it() {
        let (design, what_if) = run(ROLES, &["api_a"]);
        let api_b = design.component_id("api_b").unwrap();
        // fa moves whole to api_b: 900/s on 800/s.
        let fa = &what_if.flows[0];
        assert!(!fa.failed());
        assert_eq!(fa.moved.len(), 1);
        assert_eq!(fa.moved[0].to, api_b);
        let load = what_if.components.iter().find(|c| c.component == api_b).unwrap();
        let after = load.after.as_ref().unwrap();
        assert!((after.load_rps - 900.0).abs() < 1e-9);
        assert!((after.utilization.unwrap() - 900.0 / 800.0).abs() < 1e-12);
        // Both flows now pass a saturated api_b: overloaded, never unchanged,
        // each served 800/900 of the time.
        for flow in &what_if.flows {
            assert!(flow.overloaded(), "{flow:?}");
            let estimate = flow.after.as_ref().unwrap();
            assert!(estimate.latency.p99_ms.is_infinite());
            assert!((estimate.availability / flow.before.availability - 800.0 / 900.0).abs() < 1e-3);
        }
    }

    #[test]
    fn a_moved_flow_has_the_figures_of_the_design_routed_to_the_survivor() {
        // With room on api_b, fa's figures are those of a design where fa
        // goes to api_b in the first place.
        let roomy = ROLES.replace("capacity = 400/s", "capacity = 1000/s");
        let (_, what_if) = run(&roomy, &["api_a"]);
        let routed =
            test_design(&roomy.replace("path = users -> lb -> api_a -> db", "path = users -> lb -> api_b -> db"));
        let expected = estimate(&routed, None);
        for (flow, expected) in what_if.flows.iter().zip(&expected.flows) {
            let after = flow.after.as_ref().unwrap();
            assert_eq!(after.latency, expected.latency);
            assert_eq!(after.availability.to_bits(), expected.availability.to_bits());
        }
        let fa = &what_if.flows[0];
        assert!(fa.moved.len() == 1 && fa.failed_at.is_none());
        // fb was not moved, but api_b's wait grew under fa's load.
        assert!(what_if.flows[1].slower());
    }

    #[test]
    fn without_a_surviving_target_of_the_role_the_flow_fails() {
        let (_, what_if) = run(ROLES, &["api_a", "api_b"]);
        assert!(what_if.flows.iter().all(FlowWhatIf::failed));
        let (_, what_if) = run(&ROLES.replace("role = api, ", ""), &["api_a"]);
        assert!(what_if.flows[0].failed() && what_if.flows[0].moved.is_empty());
    }

    #[test]
    fn a_failed_database_fails_the_flow() {
        let (design, what_if) = run(LATENCY_MATH, &["db"]);
        let flow = &what_if.flows[0];
        assert!(flow.failed());
        assert_eq!(flow.failed_at, Some(Break::Down(design.component_id("db").unwrap())));
        // The requests still reach the app and the cache before failing.
        let app = design.component_id("app").unwrap();
        let app_load = what_if.components.iter().find(|c| c.component == app).unwrap();
        assert!((app_load.after.as_ref().unwrap().load_rps - 200.0).abs() < 1e-9);
    }

    #[test]
    fn a_failed_consumer_makes_its_queue_grow_without_failing_the_flow() {
        let text = r#"system s {
          client u { rps = 100 }
          service api { replicas = 2 }
          queue q { dead_letter = true }
          worker w { replicas = 2, idempotent = true }
          database d : postgres
          u -> api -> q -> w -> d
          flow f { path = u -> api -> q -> w -> d, op = write }
        }"#;
        for failed in ["w", "d"] {
            let (design, what_if) = run(text, &[failed]);
            let flow = &what_if.flows[0];
            assert!(!flow.failed(), "{failed}");
            let stop = flow.background.as_ref().unwrap();
            assert_eq!(stop.held_by, design.component_id("q"));
            let queue = &what_if.queues[0];
            assert!(queue.starts_to_grow());
            assert!((queue.after.growth_per_hour - 360_000.0).abs() < 1e-6, "{failed}");
        }
        // The queue itself is on the synchronous part: the enqueue fails.
        let (_, what_if) = run(text, &["q"]);
        assert!(what_if.flows[0].failed());
        assert!(!what_if.queues[0].starts_to_grow());
    }

    #[test]
    fn a_consumer_reached_by_a_sync_link_out_of_its_queue_stalls_only_its_queue() {
        // `q -> w { mode = sync }`: the hop out of the queue is waited for,
        // but by the queue's delivery, not by the request; losing w stalls
        // q, and the request's own part (u, api, q) keeps its load.
        let text = r#"system s {
          client u { rps = 100 }
          service api { replicas = 2 }
          queue q { dead_letter = true }
          worker w { replicas = 2, idempotent = true }
          u -> api -> q
          q -> w { mode = sync }
          flow f { path = u -> api -> q -> w, op = write }
        }"#;
        let (design, what_if) = run(text, &["w"]);
        let flow = &what_if.flows[0];
        assert!(!flow.failed());
        let stop = flow.background.as_ref().unwrap();
        assert_eq!(stop.held_by, design.component_id("q"));
        assert_eq!(stop.stalled_consumer, design.component_id("w"));
        assert!(what_if.queues[0].starts_to_grow());
    }

    #[test]
    fn a_consumer_across_the_cut_stops_taking_messages() {
        let text = r#"system s {
          region a {
            client u { rps = 100 }
            service api { replicas = 2 }
            queue q { replicas = 2 }
          }
          region b {
            worker w { replicas = 2 }
          }
          rtt a <-> b = 50ms
          u -> api -> q
          q -> w
          flow f { path = u -> api -> q, op = write }
        }"#;
        let design = test_design(text);
        let scenario = Scenario::partition(design.region_id("b").unwrap());
        let what_if = WhatIfEngine::new(&design).run(&scenario);
        assert!(what_if.flows[0].unchanged());
        let queue = &what_if.queues[0];
        assert!(queue.starts_to_grow());
        assert!((queue.after.growth_per_hour - 360_000.0).abs() < 1e-6);
    }

    #[test]
    fn a_partition_fails_flows_that_cross_it() {
        let text = r#"system s {
          region a {
            client ua { rps = 10 }
            service sa { replicas = 2 }
            database d : dynamodb
          }
          region b {
            client ub { rps = 10 }
            service sb { replicas = 2 }
          }
          rtt a <-> b = 50ms
          ua -> sa -> d
          ub -> sb -> d
          flow fa { path = ua -> sa -> d }
          flow fb { path = ub -> sb -> d }
        }"#;
        let design = test_design(text);
        for region in ["a", "b"] {
            let scenario = Scenario::partition(design.region_id(region).unwrap());
            let what_if = WhatIfEngine::new(&design).run(&scenario);
            let failed: Vec<&str> = what_if
                .failed_flows()
                .map(|flow| design.flow(flow.flow).id.as_str())
                .collect();
            assert_eq!(failed, vec!["fb"], "{region}");
        }
    }
}
