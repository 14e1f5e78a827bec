//! Estimate: the numbers behind a design (language.md §4). Per flow, its
//! latency distribution (mean, p50, p95, p99, and where requests stop),
//! its availability and its SLO verdict; per component its load and
//! utilization; per queue its in and out rates and growth.
//!
//! Reads only the resolved [`Design`]; knows no rules (the SLO rules call
//! it through [`Estimator`], which computes only what they ask for) and
//! prints nothing (`emit::estimate` renders, `explain` words the
//! arithmetic). Submodules: `latency` (path walk and mixture), `dist`
//! (log-normals on a lattice), `availability`, `capacity`, `math` (special
//! functions), `explain`. Figures are printed through `crate::format`.

pub mod availability;
pub mod capacity;
#[cfg(test)]
pub(crate) mod corpus;
pub mod dist;
pub mod explain;
pub mod fft;
pub mod latency;
pub mod math;
pub mod moves;
pub mod queueing;
pub mod retry;
pub mod timed;
pub mod tree;
pub mod what_if;

use std::sync::{Arc, Mutex, OnceLock};

pub use availability::{FlowAvailability, flow_availability, flow_availability_value};
pub use capacity::{Capacity, ComponentLoad, QueueLoad, capacity, capacity_with};
use dist::LawCache;
pub use latency::{LatencyFigures, LatencyOptions, PathModel};
pub use queueing::Loading;

use crate::model::{ComponentId, Design, FlowId, Slo};

/// Where requests of a flow stop, with what probability and mean latency.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub stops_at: ComponentId,
    /// A cdn or cache hit (else the end of the synchronous part).
    pub hit: bool,
    pub probability: f64,
    pub mean_ms: f64,
}

/// One SLO field a flow misses.
#[derive(Clone, Debug, PartialEq)]
pub enum SloMiss {
    Latency {
        /// `p50`, `p95` or `p99`.
        percentile: &'static str,
        value_ms: f64,
        target_ms: f64,
    },
    Availability {
        value: f64,
        target: f64,
    },
}

/// A flow's SLO (its own merged over the system's) and whether it is met.
#[derive(Clone, Debug, PartialEq)]
pub struct SloVerdict {
    pub slo: Slo,
    pub met: bool,
    pub misses: Vec<SloMiss>,
}

impl SloVerdict {
    /// The verdict of these figures against an SLO; `None` when it sets
    /// nothing.
    pub fn judge(slo: &Slo, latency: &LatencyFigures, availability: f64) -> Option<SloVerdict> {
        (!slo.is_empty()).then(|| {
            let mut misses = latency_misses(slo, latency);
            misses.extend(availability_miss(slo, availability));
            SloVerdict {
                slo: slo.clone(),
                met: misses.is_empty(),
                misses,
            }
        })
    }
}

/// Relative slack when comparing a figure with its SLO, so that a figure
/// equal to its target (218 ms against 218 ms) is met despite round-off.
const SLO_SLACK: f64 = 1e-9;

/// The latency fields of an SLO the figures exceed.
pub fn latency_misses(slo: &Slo, figures: &LatencyFigures) -> Vec<SloMiss> {
    let fields = [
        ("p50", slo.p50_ms, figures.p50_ms),
        ("p95", slo.p95_ms, figures.p95_ms),
        ("p99", slo.p99_ms, figures.p99_ms),
    ];
    fields
        .into_iter()
        .filter_map(|(percentile, target, value)| {
            let target = target?;
            (value > target * (1.0 + SLO_SLACK)).then_some(SloMiss::Latency {
                percentile,
                value_ms: value,
                target_ms: target,
            })
        })
        .collect()
}

/// Round-off of a product of a few dozen availability factors: far below
/// any real shortfall. A figure short of its SLO by more than this misses
/// it, even by 1e-12 (99.9499999999995% misses 99.95%), so the verdict
/// always agrees with the figure printed beside it.
const AVAILABILITY_ROUND_OFF: f64 = 1e-14;

/// The availability field of an SLO, when the figure is below it.
pub fn availability_miss(slo: &Slo, value: f64) -> Option<SloMiss> {
    let target = slo.availability?;
    (value < target - AVAILABILITY_ROUND_OFF).then_some(SloMiss::Availability { value, target })
}

/// Whether a flow is served (language.md §6, cli.md "Additions").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowStatus {
    Ok,
    /// A component of its synchronous part is saturated: it sheds load,
    /// and the flow's latency is unbounded.
    Overloaded,
}

impl FlowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowStatus::Ok => "ok",
            FlowStatus::Overloaded => "overloaded",
        }
    }
}

/// Everything `hld estimate` prints for one flow.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowEstimate {
    pub flow: FlowId,
    pub rps: f64,
    /// Unbounded (every figure infinite) when the flow is overloaded.
    pub latency: LatencyFigures,
    pub availability: f64,
    pub status: FlowStatus,
    /// The saturated components of its synchronous part, in the order
    /// first visited (empty unless overloaded).
    pub saturated: Vec<ComponentId>,
    /// Its hops with retries or a timeout and their arithmetic (§7).
    pub hops: Vec<retry::HopAttempt>,
    /// Where requests stop (a flow with `path` only; a call tree reports
    /// its visits in `tree` instead).
    pub outcomes: Vec<Outcome>,
    pub background: Vec<ComponentId>,
    /// The call tree's visits with their reach and mean. Shared: what-if
    /// and explain copy estimates per scenario, and a tree has a record
    /// per visit.
    pub tree: std::sync::Arc<tree::TreeModel>,
    /// `None` when neither the flow nor the system sets an SLO.
    pub slo: Option<SloVerdict>,
}

/// Everything `hld estimate` prints.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimates {
    pub flows: Vec<FlowEstimate>,
    pub capacity: Capacity,
}

/// Estimates for every flow (or the ones given), every component and queue.
/// The capacity model runs first: its loads set every visit's wait and
/// which components shed load (language.md §6).
pub fn estimate(design: &Design, flows: Option<&[FlowId]>) -> Estimates {
    let all: Vec<FlowId> = design.flow_ids().collect();
    let ids = flows.unwrap_or(&all);
    let capacity = capacity(design);
    let loading = Loading::new(design, &capacity);
    let flows = parallel_map(ids, |cache, id| flow_estimate(design, &loading, id, cache));
    Estimates { flows, capacity }
}

#[cfg(test)]
thread_local! {
    /// Flow estimates computed on this thread, for tests that bound the work.
    pub(crate) static FLOW_ESTIMATES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How a flow's figures are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// The path model of `latency.rs` (a path without timeouts; its waits
    /// are factors of its product of spectra).
    Path,
    /// The tree model: a call tree, or a path with a timed hop (which
    /// only the tree model knows).
    Tree,
}

/// Whether a hop of the flow times out.
fn has_timeout(design: &Design, flow: &crate::model::Flow) -> bool {
    flow.visits
        .iter()
        .any(|visit| visit.link.is_some_and(|link| design.link(link).timeout_ms.is_some()))
}

fn route(design: &Design, flow: &crate::model::Flow) -> Route {
    if flow.is_path_only() && !has_timeout(design, flow) {
        Route::Path
    } else {
        Route::Tree
    }
}

/// The latency figures of a flow at the loads of `loading` (not unbounded
/// when saturated: see [`flow_estimate`]).
pub fn flow_latency(
    design: &Design,
    flow: &crate::model::Flow,
    options: LatencyOptions,
    loading: &Loading,
    cache: &mut LawCache,
) -> LatencyFigures {
    latency_with_tree(design, flow, options, loading, cache, |cache| {
        Arc::new(tree::TreeModel::loaded(design, flow, options, loading, cache))
    })
}

/// [`flow_latency`], with the flow's tree model (at `options`) from `tree`
/// when its route needs one: [`Estimator`] keeps them.
fn latency_with_tree(
    design: &Design,
    flow: &crate::model::Flow,
    options: LatencyOptions,
    loading: &Loading,
    cache: &mut LawCache,
    tree: impl FnOnce(&mut LawCache) -> Arc<tree::TreeModel>,
) -> LatencyFigures {
    if !loading.saturated_on(design, flow).is_empty() {
        return LatencyFigures::UNBOUNDED;
    }
    match route(design, flow) {
        Route::Path => latency::figures(&PathModel::loaded(design, flow, options, loading), cache),
        Route::Tree => tree(cache).figures.clone(),
    }
}

/// A flow's availability at the loads of `loading`: §4's product, with
/// retried hops by their success (§7) and saturated components by their
/// served share (§6); exactly §4's product when neither applies.
pub fn flow_availability_at(
    design: &Design,
    flow: &crate::model::Flow,
    loading: &Loading,
    cache: &mut LawCache,
) -> f64 {
    availability_with_tree(design, flow, loading, cache, |cache| {
        Arc::new(tree::TreeModel::loaded(
            design,
            flow,
            LatencyOptions::default(),
            loading,
            cache,
        ))
    })
}

/// [`flow_availability_at`], with the flow's tree model (default options)
/// from `tree` when it needs one.
fn availability_with_tree(
    design: &Design,
    flow: &crate::model::Flow,
    loading: &Loading,
    cache: &mut LawCache,
    tree: impl FnOnce(&mut LawCache) -> Arc<tree::TreeModel>,
) -> f64 {
    let judged = retry::flow_has_judged_hops(design, flow);
    if !judged && loading.saturated_on(design, flow).is_empty() {
        return flow_availability_value(design, flow);
    }
    if route(design, flow) == Route::Tree && judged {
        tree(cache).retries.flow_availability(design, flow, loading)
    } else {
        retry::Retries::without_latency(design, flow, loading).flow_availability(design, flow, loading)
    }
}

/// The estimate of one flow (latency, availability, outcomes, SLO verdict)
/// at the loads of `loading`.
pub fn flow_estimate(design: &Design, loading: &Loading, id: FlowId, cache: &mut LawCache) -> FlowEstimate {
    #[cfg(test)]
    FLOW_ESTIMATES.with(|count| count.set(count.get() + 1));
    let flow = design.flow(id);
    let (mut latency, outcomes, background, tree) = match route(design, flow) {
        Route::Path => {
            let model = PathModel::loaded(design, flow, LatencyOptions::default(), loading);
            let latency = latency::figures(&model, cache);
            let tree = tree::TreeModel::means(design, flow, loading, cache);
            (latency, outcomes(&model), model.background.clone(), tree)
        }
        Route::Tree => {
            let model = tree::TreeModel::loaded(design, flow, LatencyOptions::default(), loading, cache);
            let outcomes = if flow.is_path_only() {
                waited_outcomes(design, flow, &model)
            } else {
                Vec::new()
            };
            (model.figures.clone(), outcomes, model.background.clone(), model)
        }
    };
    let saturated = loading.saturated_on(design, flow);
    let judged = retry::flow_has_judged_hops(design, flow);
    let retries = estimate_retries(design, flow, loading, &tree);
    let availability = if !judged && saturated.is_empty() {
        flow_availability_value(design, flow)
    } else {
        retries.flow_availability(design, flow, loading)
    };
    let status = if saturated.is_empty() {
        FlowStatus::Ok
    } else {
        latency = LatencyFigures::UNBOUNDED;
        FlowStatus::Overloaded
    };
    let slo = SloVerdict::judge(&flow.slo, &latency, availability);
    FlowEstimate {
        flow: id,
        rps: flow.rps,
        latency,
        availability,
        status,
        saturated,
        hops: retries.hops,
        outcomes,
        background,
        tree: Arc::new(tree),
        slo,
    }
}

/// The judged hops [`flow_estimate`] counts, given the tree model it
/// computed (`tree`): the tree model's own when it judged them (it alone
/// knows P(T ≤ t)), else each without latency; an empty record (but one
/// that knows the flow's visits) when only saturation changes the
/// availability; nothing when neither applies.
pub fn estimate_retries(
    design: &Design,
    flow: &crate::model::Flow,
    loading: &Loading,
    tree: &tree::TreeModel,
) -> retry::Retries {
    let judged = retry::flow_has_judged_hops(design, flow);
    if !judged && loading.saturated_on(design, flow).is_empty() {
        retry::Retries::default()
    } else if !judged {
        retry::Retries::new(design, flow)
    } else if tree.retries.hops.is_empty() {
        retry::Retries::without_latency(design, flow, loading)
    } else {
        tree.retries.clone()
    }
}

/// The outcome table of a path whose visits wait (the tree model's
/// figures): the path model's stops, each mean with the waits of the
/// visits before it.
fn waited_outcomes(design: &Design, flow: &crate::model::Flow, tree: &tree::TreeModel) -> Vec<Outcome> {
    let model = PathModel::new(design, flow, LatencyOptions::default());
    let mut waited = Vec::with_capacity(tree.visits.len());
    let mut total = 0.0;
    for visit in &tree.visits {
        total += visit.wait.map_or(0.0, |wait| wait.mean_ms());
        waited.push(total);
    }
    model
        .stops
        .iter()
        .map(|stop| {
            let nodes = model
                .steps
                .iter()
                .take(stop.last_step + 1)
                .filter(|step| matches!(step, latency::Step::Node(_)))
                .count();
            let extra = nodes
                .checked_sub(1)
                .and_then(|last| waited.get(last))
                .copied()
                .unwrap_or(0.0);
            Outcome {
                stops_at: stop.at,
                hit: stop.hit,
                probability: stop.probability,
                mean_ms: stop.mean_ms + extra,
            }
        })
        .collect()
}

/// The outcome table: where requests stop, level by level.
pub fn outcomes(model: &PathModel) -> Vec<Outcome> {
    model
        .stops
        .iter()
        .map(|stop| Outcome {
            stops_at: stop.at,
            hit: stop.hit,
            probability: stop.probability,
            mean_ms: stop.mean_ms,
        })
        .collect()
}

/// Runs `work` over `ids` on as many threads as the machine has cores, at
/// most four (one thread under 64 flows), each with its own cache of laws;
/// results keep the order of `ids`.
pub(crate) fn parallel_map<T: Send>(ids: &[FlowId], work: impl Fn(&mut LawCache, FlowId) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    if ids.len() < 64 || threads < 2 {
        let mut cache = LawCache::new();
        return ids.iter().map(|id| work(&mut cache, *id)).collect();
    }
    let chunk = ids.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut cache = LawCache::new();
                    part.iter().map(|id| work(&mut cache, *id)).collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .collect()
    })
}

/// Estimates computed on demand and kept, for the rules of `hld check`:
/// latency only for the flows a rule asks about, availability and capacity
/// once.
pub struct Estimator<'a> {
    design: &'a Design,
    cache: Mutex<LawCache>,
    latency: Vec<OnceLock<LatencyFigures>>,
    /// Each flow's tree model at the default options, once computed: its
    /// latency, availability and judged hops all read it.
    trees: Vec<OnceLock<Arc<tree::TreeModel>>>,
    availability: OnceLock<Vec<f64>>,
    capacity: OnceLock<Capacity>,
    loading: OnceLock<Loading>,
}

impl<'a> Estimator<'a> {
    pub fn new(design: &'a Design) -> Estimator<'a> {
        Estimator {
            design,
            cache: Mutex::new(LawCache::new()),
            latency: (0..design.flows.len()).map(|_| OnceLock::new()).collect(),
            trees: (0..design.flows.len()).map(|_| OnceLock::new()).collect(),
            availability: OnceLock::new(),
            capacity: OnceLock::new(),
            loading: OnceLock::new(),
        }
    }

    /// The loads every visit sees (from [`Estimator::capacity`]).
    pub fn loading(&self) -> &Loading {
        self.loading.get_or_init(|| Loading::new(self.design, self.capacity()))
    }

    /// Computes the latency of these flows (in parallel) ahead of asking.
    pub fn prefetch_latency(&self, ids: &[FlowId]) {
        let missing: Vec<FlowId> = ids
            .iter()
            .copied()
            .filter(|id| self.latency.get(id.index()).is_some_and(|cell| cell.get().is_none()))
            .collect();
        let computed = parallel_map(&missing, |cache, id| self.default_latency(id, cache));
        for (id, figures) in missing.into_iter().zip(computed) {
            if let Some(cell) = self.latency.get(id.index()) {
                let _ = cell.set(figures);
            }
        }
    }

    /// Of these flows, the ones whose latency SLO the bound of
    /// [`latency::slo_surely_met`] cannot prove met (in parallel, in the
    /// order given): only they need their quantiles computed.
    pub fn latency_slo_suspects(&self, ids: &[FlowId]) -> Vec<FlowId> {
        let loading = self.loading();
        let suspect = parallel_map(ids, |_, id| {
            let flow = self.design.flow(id);
            if !loading.saturated_on(self.design, flow).is_empty() {
                // Unbounded, and as cheap to say as to bound.
                return true;
            }
            if has_timeout(self.design, flow) {
                // A failed attempt costs its timeout, whatever the callee
                // would have taken, and a long timeout stretches the
                // lattice past the screen's margin: not in the bound.
                return true;
            }
            if !flow.is_path_only() {
                return !tree::slo_surely_met(self.design, flow, &flow.slo, loading);
            }
            let model = PathModel::new(self.design, flow, LatencyOptions::default());
            !latency::slo_surely_met_with_waits(&model, &flow.slo, loading.wait_moments(self.design, flow))
        });
        ids.iter()
            .zip(suspect)
            .filter_map(|(id, suspect)| suspect.then_some(*id))
            .collect()
    }

    /// The latency figures of a flow, with the model's defaults.
    pub fn latency(&self, id: FlowId) -> Option<&LatencyFigures> {
        let cell = self.latency.get(id.index())?;
        Some(cell.get_or_init(|| self.latency_with(id, LatencyOptions::default())))
    }

    /// The latency figures of a flow under other options (not kept).
    pub fn latency_with(&self, id: FlowId, options: LatencyOptions) -> LatencyFigures {
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if options == LatencyOptions::default() {
            return self.default_latency(id, &mut cache);
        }
        flow_latency(self.design, self.design.flow(id), options, self.loading(), &mut cache)
    }

    /// [`flow_latency`] at the default options, from the kept tree model.
    fn default_latency(&self, id: FlowId, cache: &mut LawCache) -> LatencyFigures {
        let flow = self.design.flow(id);
        latency_with_tree(
            self.design,
            flow,
            LatencyOptions::default(),
            self.loading(),
            cache,
            |cache| self.tree(id, cache),
        )
    }

    /// The flow's tree model at the default options, computed once.
    fn tree(&self, id: FlowId, cache: &mut LawCache) -> Arc<tree::TreeModel> {
        let compute = |cache: &mut LawCache| {
            Arc::new(tree::TreeModel::loaded(
                self.design,
                self.design.flow(id),
                LatencyOptions::default(),
                self.loading(),
                cache,
            ))
        };
        match self.trees.get(id.index()) {
            Some(cell) => cell.get_or_init(|| compute(cache)).clone(),
            None => compute(cache),
        }
    }

    /// The availability of a flow (every flow's, in parallel, on the first
    /// call).
    pub fn availability(&self, id: FlowId) -> Option<f64> {
        self.availability
            .get_or_init(|| {
                let loading = self.loading();
                let ids: Vec<FlowId> = self.design.flow_ids().collect();
                parallel_map(&ids, |cache, id| {
                    availability_with_tree(self.design, self.design.flow(id), loading, cache, |cache| {
                        self.tree(id, cache)
                    })
                })
            })
            .get(id.index())
            .copied()
    }

    /// The hops of a flow with retries or a timeout (language.md §7), each
    /// with the p99 of one attempt when it times out.
    pub fn hops(&self, id: FlowId) -> Vec<retry::HopAttempt> {
        let flow = self.design.flow(id);
        if !retry::flow_has_judged_hops(self.design, flow) {
            return Vec::new();
        }
        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.tree(id, &mut cache).retries.hops.clone()
    }

    /// The capacity model of the whole design.
    pub fn capacity(&self) -> &Capacity {
        self.capacity.get_or_init(|| capacity(self.design))
    }
}

#[cfg(test)]
pub(crate) use crate::model::load::test_design;
