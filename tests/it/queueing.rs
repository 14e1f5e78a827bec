//! Queueing and retries (language.md §6, §7): Erlang C against a published
//! value, exact rationals and a log-space evaluation; the M/M/c mean wait
//! against a seeded discrete-event simulation; the wait as ρ → 1⁻; and, on
//! the whole estimate: a station's wait and saturation, retries that never
//! lower availability nor load and match §7's figures, `retries = 0` that
//! changes nothing, timeouts that never raise availability.
use hld::estimate::estimate;
use hld::estimate::queueing::{Station, erlang_c};
use hld::model::Design;
use hld::model::load::{Input, Limits, MemoryLoader, compile};
use proptest::prelude::*;

fn relative_error(value: f64, expected: f64) -> f64 {
    (value - expected).abs() / expected.abs()
}

// ---------------------------------------------------------------- Erlang C

fn gcd(mut x: u128, mut y: u128) -> u128 {
    while y != 0 {
        (x, y) = (y, x % y);
    }
    x
}

/// Erlang C by the textbook sum formula (language.md §6) in exact integer
/// arithmetic, for a = p / q < c: multiplying numerator and denominator by
/// c!·q^c·(c·q − p) leaves
///   numerator   = p^c · c · q
///   denominator = (c·q − p) · Σ_{k<c} p^k · q^(c−k) · c!/k!  +  numerator.
/// Returns the reduced fraction; `None` on overflow of u128.
fn erlang_c_exact(c: u32, p: u128, q: u128) -> Option<(u128, u128)> {
    let c128 = u128::from(c);
    assert!(p < c128 * q, "a must be below c");
    let pow = |base: u128, exp: u32| -> Option<u128> { (0..exp).try_fold(1u128, |acc, _| acc.checked_mul(base)) };
    let numerator = pow(p, c)?.checked_mul(c128)?.checked_mul(q)?;
    let mut sum = 0u128;
    for k in 0..c {
        // c!/k! = (k+1)·(k+2)···c
        let falling = (k + 1..=c).try_fold(1u128, |acc, i| acc.checked_mul(u128::from(i)))?;
        let term = pow(p, k)?.checked_mul(pow(q, c - k)?)?.checked_mul(falling)?;
        sum = sum.checked_add(term)?;
    }
    let denominator = (c128 * q - p).checked_mul(sum)?.checked_add(numerator)?;
    let common = gcd(numerator, denominator);
    Some((numerator / common, denominator / common))
}

/// Erlang C by the same sum formula evaluated in log space (log-sum-exp),
/// for large c: ln(a^k/k!) = k·ln a − Σ_{i≤k} ln i.
fn erlang_c_log_space(c: u32, a: f64) -> f64 {
    let rho = a / f64::from(c);
    let mut logs = Vec::with_capacity(c as usize + 1);
    let mut log_factorial = 0.0_f64; // ln k!
    for k in 0..c {
        if k > 0 {
            log_factorial += f64::from(k).ln();
        }
        logs.push(f64::from(k) * a.ln() - log_factorial);
    }
    log_factorial += f64::from(c).ln();
    let log_last = f64::from(c) * a.ln() - log_factorial - (1.0 - rho).ln();
    logs.push(log_last);
    let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_sum = max + logs.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
    (log_last - log_sum).exp()
}

/// c = 2, a = 1.5: P_wait = 0.642857… = 9/14 (the example of language.md
/// §6's references; any queueing text has it).
#[test]
fn erlang_c_published_value() {
    assert_eq!(erlang_c_exact(2, 3, 2), Some((9, 14)));
    let value = erlang_c(2, 1.5);
    assert!((value - 9.0 / 14.0).abs() < 1e-14, "{value}");
    assert_eq!(format!("{value:.6}"), "0.642857");
}

/// Other values against the exact rational of the sum formula: one server
/// (P_wait = ρ), c = 3, a = 2 (4/9), and stations up to 20 servers.
#[test]
fn erlang_c_against_exact_rationals() {
    // (c, p, q, the fraction where it is short enough to state)
    type Case = (u32, u128, u128, Option<(u128, u128)>);
    let cases: &[Case] = &[
        (1, 7, 10, Some((7, 10))),
        (3, 2, 1, Some((4, 9))),
        (4, 3, 1, Some((27, 53))),
        (5, 4, 1, None),
        (8, 15, 2, None),
        (10, 8, 1, None),
        (12, 6, 1, None),
        (20, 17, 1, None),
        (20, 1, 2, None),
    ];
    for &(c, p, q, stated) in cases {
        let (num, den) = erlang_c_exact(c, p, q).expect("fits u128");
        if let Some(fraction) = stated {
            assert_eq!((num, den), fraction, "c={c} a={p}/{q}");
        }
        let exact = num as f64 / den as f64;
        let a = p as f64 / q as f64;
        let fast = erlang_c(c, a);
        assert!(
            relative_error(fast, exact) < 1e-12,
            "c={c} a={a}: {fast} vs {num}/{den} = {exact}"
        );
    }
}

/// Large stations against the log-space sum: c = 100, a = 90 and beyond.
#[test]
fn erlang_c_large_stations_against_log_space() {
    for (c, a, tolerance) in [
        (100, 90.0, 1e-11),
        (100, 99.0, 1e-11),
        (100, 50.0, 1e-9),
        (1_000, 950.0, 1e-10),
        (10_000, 9_900.0, 1e-8),
        (100_000, 99_900.0, 1e-7),
    ] {
        let fast = erlang_c(c, a);
        let log_space = erlang_c_log_space(c, a);
        assert!(
            relative_error(fast, log_space) < tolerance,
            "c={c} a={a}: {fast} vs log-space {log_space}"
        );
    }
    // The log-space evaluation itself agrees with the exact rational.
    let (num, den) = erlang_c_exact(20, 17, 1).unwrap();
    assert!(relative_error(erlang_c_log_space(20, 17.0), num as f64 / den as f64) < 1e-12);
}

// ---------------------------------------------------------------- ρ → 1⁻

/// ρ = 1 − 10^-k for k = 1..=9, after ρ = 0.5.
fn rho_ladder() -> Vec<f64> {
    std::iter::once(0.5)
        .chain((1..=9).map(|k| 1.0 - 10f64.powi(-k)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// As ρ → 1⁻ the mean wait never falls and grows past any bound; P_wait
    /// stays a probability and never falls.
    #[test]
    fn wait_grows_without_bound_near_saturation(
        servers in 1u32..=2000,
        mu in 0.01f64..1e5,
        extra in prop::collection::vec(0.0f64..1.0, 0..8),
    ) {
        let mut rhos = rho_ladder();
        rhos.extend(extra.into_iter().filter(|rho| *rho > 0.0));
        rhos.sort_by(f64::total_cmp);
        rhos.dedup();
        let c = f64::from(servers);
        let mut previous: Option<(f64, f64, f64)> = None;
        for &rho in &rhos {
            let wait = Station::new(c, mu, rho).unwrap().wait().unwrap();
            let (p, mean) = (wait.p_wait, wait.mean_ms());
            prop_assert!(p.is_finite() && (0.0..=1.0).contains(&p), "c={servers} rho={rho}: P_wait {p}");
            prop_assert!(mean.is_finite() && mean >= 0.0, "c={servers} rho={rho}: mean {mean}");
            if let Some((rho0, p0, mean0)) = previous {
                // Rounding may cost an ulp or so between close ρ.
                prop_assert!(p >= p0 * (1.0 - 1e-12), "P_wait fell: {p0} at {rho0}, {p} at {rho}");
                prop_assert!(mean >= mean0 * (1.0 - 1e-12), "mean fell: {mean0} at {rho0}, {mean} at {rho}");
            }
            previous = Some((rho, p, mean));
        }
        // On the ladder (ρ a decade closer to 1 each step) the growth is
        // strict once there is any wait at all.
        let ladder: Vec<f64> = rho_ladder()
            .iter()
            .map(|&rho| Station::new(c, mu, rho).unwrap().wait().unwrap().mean_ms())
            .collect();
        for pair in ladder.windows(2) {
            prop_assert!(pair[0] == 0.0 || pair[1] > pair[0], "c={servers} mu={mu}: {ladder:?}");
        }
        // At ρ = 1 − 1e-9 a request waits ≈ 1e9 mean service slots of the
        // whole station (1 / (c·μ)): past 1e8, whatever c and μ.
        let last = *ladder.last().unwrap();
        let slots = last / 1000.0 * c * mu;
        prop_assert!(slots > 1e8, "c={servers} mu={mu}: {last} ms = {slots} slots");
        prop_assert!(last > 1e6 * ladder[0], "c={servers} mu={mu}: {ladder:?}");
    }

    /// Up to 100,000 servers (fractional c too) nothing is NaN or infinite
    /// below saturation, and P_wait is a probability.
    #[test]
    fn large_stations_stay_finite(
        c in 1.0f64..=100_000.0,
        whole in any::<bool>(),
        mu in 1e-3f64..1e6,
        rho in prop_oneof![0.0f64..1.0, (1u32..=12).prop_map(|k| 1.0 - 10f64.powi(-(k as i32)))],
    ) {
        prop_assume!(rho > 0.0);
        let c = if whole { c.floor() } else { c };
        let station = Station::new(c, mu, rho).unwrap();
        let wait = station.wait().unwrap();
        let p = wait.p_wait;
        prop_assert!(p.is_finite() && (0.0..=1.0).contains(&p), "c={c} rho={rho}: {p}");
        prop_assert!(!wait.rate_per_ms.is_nan() && wait.rate_per_ms > 0.0, "{wait:?}");
        let mean = wait.mean_ms();
        prop_assert!(mean.is_finite() && mean >= 0.0, "c={c} rho={rho}: {mean}");
        for t in [0.0, mean, 10.0 * mean + 1.0] {
            let cdf = wait.cdf(t);
            prop_assert!(cdf.is_finite() && (0.0..=1.0).contains(&cdf), "c={c} rho={rho} t={t}: {cdf}");
        }
        let direct = erlang_c(station.servers, rho * f64::from(station.servers));
        prop_assert!(direct.to_bits() == p.to_bits());
    }
}

// ---------------------------------------------------------------- simulation

/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
}

struct Simulated {
    /// Mean wait in ms and its standard error (batch means).
    mean_ms: f64,
    mean_se_ms: f64,
    /// Share of arrivals that wait, and its standard error (batch means).
    p_wait: f64,
    p_wait_se: f64,
}

/// An M/M/c FCFS queue: Poisson arrivals of rate λ, c servers of rate μ
/// (per second). Customers start in arrival order, each on the server that
/// frees first, so a customer's wait is max(0, earliest free time − its
/// arrival). The first `warmup` arrivals are dropped; the next `batches` ×
/// `per_batch` are measured.
fn simulate(
    servers: usize,
    mu: f64,
    lambda: f64,
    warmup: usize,
    batches: usize,
    per_batch: usize,
    seed: u64,
) -> Simulated {
    let mut rng = SplitMix(seed);
    let mut free = vec![0.0_f64; servers];
    let mut now = 0.0_f64;
    let mut arrive = |rng: &mut SplitMix, free: &mut [f64]| -> f64 {
        now += rng.exponential(lambda);
        let (idx, earliest) =
            free.iter().copied().enumerate().fold(
                (0, f64::INFINITY),
                |best, (idx, at)| if at < best.1 { (idx, at) } else { best },
            );
        let start = earliest.max(now);
        free[idx] = start + rng.exponential(mu);
        start - now
    };
    for _ in 0..warmup {
        arrive(&mut rng, &mut free);
    }
    let mut means = Vec::with_capacity(batches);
    let mut shares = Vec::with_capacity(batches);
    for _ in 0..batches {
        let (mut total, mut waited) = (0.0, 0usize);
        for _ in 0..per_batch {
            let wait = arrive(&mut rng, &mut free);
            total += wait;
            waited += usize::from(wait > 0.0);
        }
        means.push(total / per_batch as f64 * 1000.0);
        shares.push(waited as f64 / per_batch as f64);
    }
    let mean_and_se = |xs: &[f64]| {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    };
    let (mean_ms, mean_se_ms) = mean_and_se(&means);
    let (p_wait, p_wait_se) = mean_and_se(&shares);
    Simulated {
        mean_ms,
        mean_se_ms,
        p_wait,
        p_wait_se,
    }
}

/// The simulated mean wait is the model's within 5%, and the simulated
/// share of waiting arrivals P_wait within 3%.
///
/// Statistical soundness. Successive waits are correlated, so the standard
/// error (SE) is estimated by batch means: 40 batches of 40,000 arrivals
/// (1.6M measured, after a 20k warm-up). A batch is far longer than the
/// correlation of the waits: for M/M/1 at ρ = 0.8 the asymptotic variance
/// of the mean wait is ρ(2 + 5ρ − 4ρ² + ρ³)/(1 − ρ)⁴ / μ² ≈ 1976/μ²
/// (Daley 1968) against a variance of one wait of 24/μ², an integrated
/// autocorrelation time of ≈ 82 arrivals. That figure gives a relative SE
/// of √(1976/1.6M)/4 ≈ 0.9% for its mean wait (4/μ). The stations with
/// rare waits are noisier per arrival: c = 8 at ρ = 0.5 (P_wait ≈ 0.06)
/// measures a relative SE ≈ 1.6% for the mean and ≈ 1% for P_wait, the
/// worst of the eight. So that no tolerance holds by luck, the test asserts
/// the batch-means SE itself: 5% (mean) and 3% (P_wait) must each be at
/// least 2.5 SE, and the difference at most 4 SE. The seeds are fixed, so
/// the outcome is the same on every run; the eight simulations take about
/// 2 s of CPU in a debug build (13M arrivals), spread over the tests' threads.
fn check_against_simulation(servers: u32) {
    let mu = 100.0; // per second: a 10 ms mean service
    for (rho, seed) in [(0.5, 0x5EED_0001), (0.8, 0x5EED_0002)] {
        let station = Station::new(f64::from(servers), mu, rho).unwrap();
        let wait = station.wait().unwrap();
        let lambda = rho * f64::from(servers) * mu;
        let sim = simulate(
            servers as usize,
            mu,
            lambda,
            20_000,
            40,
            40_000,
            seed + u64::from(servers),
        );
        let model = wait.mean_ms();
        let context = format!(
            "c={servers} rho={rho}: simulated {:.4} ms (se {:.4}), model {model:.4} ms; P_wait simulated {:.4} (se {:.4}), model {:.4}",
            sim.mean_ms, sim.mean_se_ms, sim.p_wait, sim.p_wait_se, wait.p_wait
        );
        assert!(relative_error(sim.mean_ms, model) <= 0.05, "{context}");
        assert!(
            2.5 * sim.mean_se_ms <= 0.05 * model,
            "too few arrivals for 5%: {context}"
        );
        assert!((sim.mean_ms - model).abs() <= 4.0 * sim.mean_se_ms, "{context}");
        assert!(relative_error(sim.p_wait, wait.p_wait) <= 0.03, "{context}");
        assert!(
            2.5 * sim.p_wait_se <= 0.03 * wait.p_wait,
            "too few arrivals for 3%: {context}"
        );
        assert!((sim.p_wait - wait.p_wait).abs() <= 4.0 * sim.p_wait_se, "{context}");
    }
}

#[test]
fn mean_wait_matches_simulation_c1() {
    check_against_simulation(1);
}

#[test]
fn mean_wait_matches_simulation_c2() {
    check_against_simulation(2);
}

#[test]
fn mean_wait_matches_simulation_c4() {
    check_against_simulation(4);
}

#[test]
fn mean_wait_matches_simulation_c8() {
    check_against_simulation(8);
}

// ---------------------------------------------------------------- retries

fn compile_text(text: &str) -> hld::model::load::Compilation {
    let input = Input {
        name: "test.hld".to_string(),
        path: None,
        key: None,
        bytes: text.as_bytes().to_vec(),
    };
    compile(input, &MemoryLoader::default(), &Limits::default())
}

fn design(text: &str) -> Design {
    let compilation = compile_text(text);
    match compilation.design {
        Some(design) => design,
        None => panic!("design has errors: {:#?}\n{text}", compilation.diagnostics),
    }
}

/// One random design: `users -> lb -> api -> db`, optionally `api -> svc`
/// as a second call; availabilities in percent, replicas, and the retries
/// of the links users→lb, lb→api, api→db, api→svc. No `capacity`: no
/// queueing, only the retry model differs between variants.
#[derive(Clone, Debug)]
struct RetryDesign {
    rps: f64,
    lb: (u32, f64),
    api: (u32, f64),
    db: f64,
    svc: Option<(u32, f64)>,
    retries: [u32; 4],
    /// `timeout` in ms of the same links, for the variants with timeouts.
    timeouts: [Option<u32>; 4],
}

/// How a variant writes each link's retries.
#[derive(Clone, Copy, PartialEq)]
enum Retries {
    /// `retries = N` as drawn.
    AsDrawn,
    /// Every `retries` (and `idempotent`) removed.
    Absent,
    /// `retries = 0` on every link.
    Zero,
    /// As drawn, plus each drawn `timeout`.
    Timeouts,
    /// As drawn, plus `timeout = 1h` on every link: never reached.
    LongTimeouts,
}

/// Whether links take `idempotent = true` (the retry model brings it,
/// ../shared/examples/trees/tree_retry_*.hld); until then the services
/// alone say it.
fn links_take_idempotent() -> bool {
    static TAKES: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TAKES.get_or_init(|| {
        compile_text(
            "system s {\n  client users { rps = 1 }\n  service api\n  users -> api { retries = 1, idempotent = true }\n  flow f { path = users -> api }\n}\n",
        )
        .design
        .is_some()
    })
}

impl RetryDesign {
    fn text(&self, variant: Retries, link_idempotent: bool) -> String {
        let mut text = String::from("system s {\n");
        text.push_str(&format!("  client users {{ rps = {} }}\n", self.rps));
        text.push_str(&format!(
            "  load_balancer lb {{ replicas = {}, availability = {}% }}\n",
            self.lb.0, self.lb.1
        ));
        text.push_str(&format!(
            "  service api {{ replicas = {}, availability = {}%, idempotent = true }}\n",
            self.api.0, self.api.1
        ));
        text.push_str(&format!("  database db {{ availability = {}% }}\n", self.db));
        if let Some((replicas, availability)) = self.svc {
            text.push_str(&format!(
                "  service svc {{ replicas = {replicas}, availability = {availability}%, idempotent = true }}\n"
            ));
        }
        let links = [("users", "lb"), ("lb", "api"), ("api", "db"), ("api", "svc")];
        for (idx, (from, to)) in links.iter().enumerate() {
            if *to == "svc" && self.svc.is_none() {
                continue;
            }
            let timeout = match variant {
                Retries::Timeouts => self.timeouts[idx].map(|ms| format!(", timeout = {ms}ms")),
                Retries::LongTimeouts => Some(", timeout = 1h".to_string()),
                _ => None,
            };
            let idempotent = if link_idempotent { ", idempotent = true" } else { "" };
            let props = match variant {
                Retries::Absent => String::new(),
                Retries::Zero => " { retries = 0 }".to_string(),
                Retries::AsDrawn | Retries::Timeouts | Retries::LongTimeouts => format!(
                    " {{ retries = {}{idempotent}{} }}",
                    self.retries[idx],
                    timeout.unwrap_or_default()
                ),
            };
            text.push_str(&format!("  {from} -> {to}{props}\n"));
        }
        let call = if self.svc.is_some() {
            "\n    call api -> svc"
        } else {
            ""
        };
        text.push_str(&format!(
            "  flow f {{\n    path = users -> lb -> api -> db{call}\n  }}\n}}\n"
        ));
        text
    }
}

fn percent() -> impl Strategy<Value = f64> {
    // Three decimals, 90% to 99.999%: failures large enough that a retry
    // changes the figures visibly.
    (90_000u32..=99_999).prop_map(|x| f64::from(x) / 1000.0)
}

fn retry_design() -> impl Strategy<Value = RetryDesign> {
    (
        1u32..=100_000,
        (1u32..=3, percent()),
        (1u32..=3, percent()),
        percent(),
        prop::option::of((1u32..=2, percent())),
        [0u32..=4, 0u32..=4, 0u32..=4, 0u32..=4],
        [
            prop::option::of(1u32..=100),
            prop::option::of(1u32..=100),
            prop::option::of(1u32..=100),
            prop::option::of(1u32..=100),
        ],
    )
        .prop_map(|(rps, lb, api, db, svc, retries, timeouts)| RetryDesign {
            rps: f64::from(rps),
            lb,
            api,
            db,
            svc,
            retries,
            timeouts,
        })
}

/// 1 − (1 − a)^n: n instances of availability a.
fn instances(n: u32, a: f64) -> f64 {
    1.0 - (1.0 - a).powi(n as i32)
}

/// A hop with `retries = n` into a subtree of availability `subtree`
/// (language.md §7, no timeout): 1 − f^(n+1), f = 1 − A_B.
fn hop(n: u32, subtree: f64) -> f64 {
    1.0 - (1.0 - subtree).powi(n as i32 + 1)
}

/// §7's figures for a design: each hop with `retries = n` into a subtree
/// of availability A_B fails an attempt with f = 1 − A_B, succeeds with
/// 1 − f^(n+1), which replaces A_B, and makes E = Σ_{k≤n} fᵏ attempts,
/// which multiplies the load on the callee's subtree (nested retries
/// multiply along the chain).
struct Expected {
    availability: f64,
    /// Load of lb, api, db, svc.
    loads: [f64; 4],
}

fn expected(d: &RetryDesign) -> Expected {
    let [users_lb, lb_api, api_db, api_svc] = d.retries;
    let attempts = |n: u32, subtree: f64| (0..=n).map(|k| (1.0 - subtree).powi(k as i32)).sum::<f64>();
    let db = d.db / 100.0;
    let svc = d.svc.map_or(1.0, |(n, a)| instances(n, a / 100.0));
    let api = instances(d.api.0, d.api.1 / 100.0) * hop(api_db, db) * hop(api_svc, svc);
    let lb = instances(d.lb.0, d.lb.1 / 100.0) * hop(lb_api, api);
    let lb_load = d.rps * attempts(users_lb, lb);
    let api_load = lb_load * attempts(lb_api, api);
    let svc_load = if d.svc.is_some() {
        api_load * attempts(api_svc, svc)
    } else {
        0.0
    };
    Expected {
        availability: hop(users_lb, lb),
        loads: [lb_load, api_load, api_load * attempts(api_db, db), svc_load],
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Retries never lower a flow's availability (§7: 1 − f^(n+1) ≥ 1 − f)
    /// nor any component's load (E = Σ fᵏ ≥ 1 attempts), availability stays
    /// at most 1, and both are §7's figures to 1e-12.
    #[test]
    fn retries_never_lower_availability_or_load(d in retry_design()) {
        let idempotent = links_take_idempotent();
        let with = estimate(&design(&d.text(Retries::AsDrawn, idempotent)), None);
        let without = estimate(&design(&d.text(Retries::Absent, idempotent)), None);
        let (a_with, a_without) = (with.flows[0].availability, without.flows[0].availability);
        prop_assert!(a_with <= 1.0 && a_with > 0.0, "{a_with}");
        // A relative 1e-12 for rounding: 1 − (1 − A) need not be A to the bit.
        prop_assert!(a_with >= a_without * (1.0 - 1e-12), "with {a_with} < without {a_without}\n{d:?}");
        prop_assert_eq!(with.capacity.components.len(), without.capacity.components.len());
        for (w, o) in with.capacity.components.iter().zip(&without.capacity.components) {
            prop_assert_eq!(w.component, o.component);
            prop_assert!(
                w.load_rps >= o.load_rps * (1.0 - 1e-12),
                "load fell with retries: {w:?} vs {o:?}\n{d:?}"
            );
        }
        let want = expected(&d);
        prop_assert!(
            relative_error(a_with, want.availability) < 1e-12,
            "availability {a_with} vs §7's {}\n{d:?}", want.availability
        );
        // Components in declaration order: lb, api, db, then svc if any.
        prop_assert_eq!(with.capacity.components.len(), if d.svc.is_some() { 4 } else { 3 });
        for (load, expected) in with.capacity.components.iter().zip(want.loads) {
            prop_assert!(
                relative_error(load.load_rps, expected) < 1e-12,
                "load {load:?} vs §7's {expected}\n{d:?}"
            );
        }
    }

    /// `retries = 0` is no retry: every figure equals, to the bit, the
    /// design without `retries`.
    #[test]
    fn zero_retries_change_nothing(d in retry_design()) {
        let zero = estimate(&design(&d.text(Retries::Zero, false)), None);
        let none = estimate(&design(&d.text(Retries::Absent, false)), None);
        // Without retries the flow is the product of its components
        // (§4 Availability), which the §7 helper below reduces to.
        let plain = RetryDesign {
            retries: [0; 4],
            ..d.clone()
        };
        let product = expected(&plain).availability;
        prop_assert!(
            relative_error(none.flows[0].availability, product) < 1e-12,
            "{} vs {product}", none.flows[0].availability
        );
        prop_assert_eq!(zero.flows.len(), none.flows.len());
        for (z, n) in zero.flows.iter().zip(&none.flows) {
            let bits = |f: &hld::estimate::FlowEstimate| {
                [
                    f.latency.mean_ms.to_bits(),
                    f.latency.p50_ms.to_bits(),
                    f.latency.p95_ms.to_bits(),
                    f.latency.p99_ms.to_bits(),
                    f.availability.to_bits(),
                    f.rps.to_bits(),
                ]
            };
            prop_assert_eq!(bits(z), bits(n), "{:?} vs {:?}", z.latency, n.latency);
        }
        prop_assert_eq!(zero.capacity.components.len(), none.capacity.components.len());
        for (z, n) in zero.capacity.components.iter().zip(&none.capacity.components) {
            prop_assert_eq!(z.component, n.component);
            prop_assert_eq!(z.load_rps.to_bits(), n.load_rps.to_bits());
            prop_assert_eq!(z.direct_rps.to_bits(), n.direct_rps.to_bits());
            prop_assert_eq!(z.capacity_rps.map(f64::to_bits), n.capacity_rps.map(f64::to_bits));
            prop_assert_eq!(z.utilization.map(f64::to_bits), n.utilization.map(f64::to_bits));
            // Whatever else a component reports (a wait, §6), printed at
            // full precision (Debug of an f64 round-trips).
            prop_assert_eq!(format!("{z:?}"), format!("{n:?}"));
        }
    }
}

proptest! {
    // Timeouts make the tree model's work heavier: fewer cases.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// A timeout never raises availability: f = 1 − A_B·P(T_B ≤ t) ≥ 1 − A_B.
    /// (It may lower it to 0: users→lb crosses the internet, 40 ms, so a
    /// 1 ms timeout there fails every attempt.)
    #[test]
    fn timeouts_never_raise_availability(d in retry_design()) {
        let idempotent = links_take_idempotent();
        let plain = estimate(&design(&d.text(Retries::AsDrawn, idempotent)), None);
        let timed = estimate(&design(&d.text(Retries::Timeouts, idempotent)), None);
        let (a_plain, a_timed) = (plain.flows[0].availability, timed.flows[0].availability);
        prop_assert!(a_timed >= 0.0 && a_timed <= a_plain * (1.0 + 1e-12), "{a_timed} vs {a_plain}\n{d:?}");
    }

    /// A timeout no successful attempt comes near (1 h against latencies
    /// of milliseconds) changes the availability by nothing measurable:
    /// P(T_B ≤ t) is 1 to within 1e-9 for an attempt that succeeds.
    /// Without retries: with them, §7 has a failed attempt cost t, so a
    /// retry that succeeds after one inner failure takes more than the
    /// enclosing hop's equal timeout (and rightly times it out).
    #[test]
    fn unreached_timeouts_change_no_availability(d in retry_design()) {
        let d = RetryDesign { retries: [0; 4], ..d };
        let idempotent = links_take_idempotent();
        let plain = estimate(&design(&d.text(Retries::AsDrawn, idempotent)), None);
        let long = estimate(&design(&d.text(Retries::LongTimeouts, idempotent)), None);
        let (a_plain, a_long) = (plain.flows[0].availability, long.flows[0].availability);
        prop_assert!(relative_error(a_long, a_plain) < 1e-9, "{a_long} vs {a_plain}\n{d:?}");
    }
}

/// Three 90% components in a chain, every link `timeout = 1h`: no request
/// that succeeds takes anywhere near an hour, so the flow is available
/// 0.9³ = 0.729, as without timeouts. Before the tree model's answered-only pass it was 0.9⁷ ≈ 0.478: the
/// hop users→lb has A_B = 0.656 (its subtree counted with the inner hops'
/// success) and P(T_B ≤ t) = 0.729, because T_B includes the inner hops'
/// failed attempts (each costing t, so past the outer timeout): a
/// subtree's failures are counted once in A_B and again as timeouts. §7's
/// f = 1 − A_B·P(T_B ≤ t) needs T_B of an attempt that succeeds (the
/// latency bullet's "given T_B ≤ t" reads it so too).
#[test]
fn unreached_timeouts_keep_availability() {
    let text = |timeout: &str| {
        format!(
            "system s {{
  client users {{ rps = 1 }}
  load_balancer lb {{ availability = 90% }}
  service api {{ availability = 90% }}
  database db {{ availability = 90% }}
  users -> lb {{ retries = 0{timeout} }}
  lb -> api {{ retries = 0{timeout} }}
  api -> db {{ retries = 0{timeout} }}
  flow f {{ path = users -> lb -> api -> db }}
}}
"
        )
    };
    let plain = estimate(&design(&text("")), None).flows[0].availability;
    let long = estimate(&design(&text(", timeout = 1h")), None).flows[0].availability;
    assert!(relative_error(plain, 0.729) < 1e-12, "{plain}");
    assert!(relative_error(long, 0.729) < 1e-9, "{long}");
}

// ---------------------------------------------------------------- queueing in the estimate

/// `users -> api`: c replicas of capacity μ, a fixed latency L, a free link,
/// offered λ = ρ·c·μ.
fn station_design(servers: u32, mu: u32, rho: f64, latency_ms: f64) -> Design {
    let rps = rho * f64::from(servers) * f64::from(mu);
    design(&format!(
        "system s {{
  client users {{ rps = {rps} }}
  service api {{ replicas = {servers}, capacity = {mu}/s, latency = {{ p50 = {latency_ms}ms, p99 = {latency_ms}ms }} }}
  users -> api {{ latency = 0ms }}
  flow f {{ path = users -> api }}
}}
"
    ))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// §6 in the estimate: the component's `wait_ms` is the station's mean
    /// wait, the flow's mean latency is L + that wait, and its p99 is L +
    /// the wait's p99 (P(W ≤ t) = 1 − P_wait·e^(−rt)) within 1%.
    #[test]
    fn estimate_adds_the_mm_c_wait(
        servers in 1u32..=50,
        mu in 10u32..=5000,
        rho_permille in 50u32..=980,
        latency_ms in 1u32..=50,
    ) {
        let rho = f64::from(rho_permille) / 1000.0;
        let latency = f64::from(latency_ms);
        let estimates = estimate(&station_design(servers, mu, rho, latency), None);
        let api = &estimates.capacity.components[0];
        let utilization = api.utilization.expect("a capacity gives a utilization");
        prop_assert!(relative_error(utilization, rho) < 1e-9, "{api:?}");
        let wait = Station::new(f64::from(servers), f64::from(mu), utilization).unwrap().wait().unwrap();
        let wait_ms = api.wait_ms.expect("a capacity gives a wait");
        prop_assert!(relative_error(wait_ms, wait.mean_ms()) < 1e-9, "{wait_ms} vs {}", wait.mean_ms());
        let flow = &estimates.flows[0];
        prop_assert!(
            relative_error(flow.latency.mean_ms, latency + wait.mean_ms()) < 1e-9,
            "mean {} vs {latency} + {}", flow.latency.mean_ms, wait.mean_ms()
        );
        let p99_wait = if wait.p_wait <= 0.01 { 0.0 } else { (wait.p_wait / 0.01).ln() / wait.rate_per_ms };
        prop_assert!(
            relative_error(flow.latency.p99_ms, latency + p99_wait) < 0.01,
            "p99 {} vs {latency} + {p99_wait}", flow.latency.p99_ms
        );
    }
}

/// §6, ρ ≥ 1: the component serves c·μ, the flow is `overloaded`, its
/// latency unbounded, its availability times the served share c·μ/λ.
#[test]
fn a_saturated_station_sheds_load() {
    for rho in [1.0, 1.25, 4.0] {
        let estimates = estimate(&station_design(3, 100, rho, 5.0), None);
        let api = &estimates.capacity.components[0];
        assert!(relative_error(api.utilization.unwrap(), rho) < 1e-12, "{api:?}");
        assert!(api.wait_ms.is_some_and(|wait| wait.is_infinite()), "{api:?}");
        let flow = &estimates.flows[0];
        assert_eq!(flow.status, hld::estimate::FlowStatus::Overloaded, "rho={rho}");
        assert!(
            !flow.latency.mean_ms.is_finite() && !flow.latency.p99_ms.is_finite(),
            "{:?}",
            flow.latency
        );
        // Three 99.9% instances (the default), times the served share 1/ρ.
        let expected = (1.0 - 1e-9) / rho;
        assert!(
            relative_error(flow.availability, expected) < 1e-12,
            "rho={rho}: {}",
            flow.availability
        );
    }
}
