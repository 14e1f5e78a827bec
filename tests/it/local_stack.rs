//! The stack's stubs run like the design: `local.py` (written by
//! `hld compose`) starts every component's stub on loopback and drives the
//! flows. On every bundled example, with no failure every request of every
//! flow succeeds, and with `--fail` the flows fail exactly as
//! `hld what-if --fail` says (a failed flow fails every request, any other
//! flow none); the modelled p50 and p99 lie within the tolerance
//! docs/compose.md states; bad arguments exit 2 and the deadline bounds a
//! run, leaving no process behind, even when local.py is killed. Skips, saying why, without `python3` (`.ci/run`
//! installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{hld_files, repo, run, shared_examples, skip};

fn python3() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("python3"))
        .find(|candidate| {
            candidate.is_file()
                && Command::new(candidate)
                    .arg("-c")
                    .arg("import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)")
                    .status()
                    .is_ok_and(|status| status.success())
        })
}

fn examples() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "hld"))
        .collect();
    paths.sort();
    paths
}

/// The stubs' fixtures (`tests/fixtures/compose/stubs_*.hld`: roles moving
/// between regions, parallel steps, timeouts, ...).
fn fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/compose"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "hld")
                && path
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with("stubs_"))
        })
        .collect();
    paths.sort();
    paths
}

/// The bundled examples and the stubs' fixtures, then the shared examples
/// (`trees/` too) when this checkout has them.
fn designs() -> Vec<PathBuf> {
    let mut designs = examples();
    designs.extend(fixtures());
    if let Some(shared) = shared_examples() {
        designs.extend(hld_files(&shared));
        designs.extend(hld_files(&shared.join("trees")));
    }
    designs
}

fn stack(example: &Path, tag: &str) -> PathBuf {
    let parent = example
        .parent()
        .and_then(|parent| parent.file_name())
        .map(|parent| parent.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = format!("{parent}-{}", example.file_stem().unwrap().to_string_lossy());
    let dir = std::env::temp_dir().join(format!("hld-local-{}-{name}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let done = run(&["compose", example.to_str().unwrap(), "-o", dir.to_str().unwrap()]);
    assert_eq!(done.code, 0, "{}: {}", example.display(), done.stderr);
    dir
}

struct Local {
    code: i32,
    report: serde_json::Value,
    stderr: String,
}

fn local(python: &Path, dir: &Path, args: &[&str]) -> Local {
    let output = Command::new(python)
        .arg(dir.join("local.py"))
        .args(args)
        .output()
        .expect("python3 runs local.py");
    Local {
        code: output.status.code().unwrap_or(-1),
        report: serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Each flow's `(ok, failed)` by name.
fn outcomes(report: &serde_json::Value) -> Vec<(String, u64, u64)> {
    report["flows"]
        .as_array()
        .unwrap_or_else(|| panic!("no flows in {report}"))
        .iter()
        .map(|flow| {
            (
                flow["name"].as_str().unwrap().to_string(),
                flow["ok"].as_u64().unwrap(),
                flow["failed"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The components each run fails: the first of each kind (a client, cdn,
/// cache, load balancer, service, database, queue, ...), and every
/// component with a `role` (a balancer moves its load).
fn failure_sets(stubs: &serde_json::Value) -> Vec<String> {
    let mut kinds_seen = Vec::new();
    let mut sets = Vec::new();
    for component in stubs["components"].as_array().unwrap() {
        let id = component["id"].as_str().unwrap().to_string();
        let kind = component["kind"].as_str().unwrap();
        let has_role = !component["role"].is_null();
        if !kinds_seen.contains(&kind) || has_role {
            sets.push(id);
        }
        if !kinds_seen.contains(&kind) {
            kinds_seen.push(kind);
        }
    }
    sets
}

const REQUESTS: &str = "4";

/// One example: all flows succeed with nothing failed, and each failure
/// set agrees with what-if. Returns the disagreements.
fn agreement(python: &Path, example: &Path) -> Vec<String> {
    let dir = stack(example, "agree");
    let stubs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("stubs/stubs.json")).unwrap()).unwrap();
    let name = example.file_name().unwrap().to_string_lossy().into_owned();
    let mut problems = Vec::new();
    let base = local(python, &dir, &["--requests", REQUESTS]);
    if base.code != 0 {
        problems.push(format!("{name}: local.py exited {}: {}", base.code, base.stderr));
    }
    for (flow, ok, failed) in outcomes(&base.report) {
        if failed != 0 || ok.to_string() != REQUESTS {
            problems.push(format!(
                "{name}: flow {flow} with nothing failed: {ok} ok, {failed} failed"
            ));
        }
    }
    for failed_id in failure_sets(&stubs) {
        let what_if = run(&[
            "what-if",
            example.to_str().unwrap(),
            "--fail",
            &failed_id,
            "--format",
            "json",
        ]);
        assert_eq!(what_if.code, 0, "{}", what_if.stderr);
        let predicted: serde_json::Value = serde_json::from_str(&what_if.stdout).unwrap();
        let observed = local(python, &dir, &["--fail", &failed_id, "--requests", REQUESTS]);
        assert_eq!(observed.code, 0, "{name} --fail {failed_id}: {}", observed.stderr);
        let outcomes = outcomes(&observed.report);
        for flow in predicted["flows"].as_array().unwrap() {
            let flow_name = flow["name"].as_str().unwrap();
            let status = flow["status"].as_str().unwrap();
            let Some((_, ok, failed)) = outcomes.iter().find(|(name, _, _)| name == flow_name) else {
                problems.push(format!("{name}: local.py did not report flow {flow_name}"));
                continue;
            };
            let agrees = if status == "failed" { *ok == 0 } else { *failed == 0 };
            if !agrees {
                let error = observed.report["flows"]
                    .as_array()
                    .and_then(|flows| flows.iter().find(|flow| flow["name"] == flow_name))
                    .map(|flow| flow["first_error"].to_string())
                    .unwrap_or_default();
                problems.push(format!(
                    "{name} --fail {failed_id}: what-if says flow {flow_name} is {status}, local.py saw {ok} ok and {failed} failed ({error})"
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    problems
}

#[test]
fn local_stubs_fail_exactly_as_what_if_predicts_on_every_example() {
    let Some(python) = python3() else {
        return skip("no python3 (3.8 or later) to run local.py");
    };
    let examples = designs();
    assert!(examples.len() >= 5, "{examples:?}");
    // Two examples at a time: each run starts a process per component.
    let problems: Vec<String> = std::thread::scope(|scope| {
        let chunks: Vec<&[PathBuf]> = examples.chunks(examples.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let python = &python;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .flat_map(|example| agreement(python, example))
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap()).collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The share of `samples` at or below `t`.
fn share_within(samples: &[f64], t: f64) -> f64 {
    samples.iter().filter(|value| **value <= t).count() as f64 / samples.len().max(1) as f64
}

fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|value| value.as_f64().unwrap())
        .collect()
}

/// One design's flows: the problems of their modelled and observed
/// samples against the documented tolerance, and how many flows were
/// compared.
fn latency_problems(python: &Path, design: &Path) -> (Vec<String>, usize) {
    let dir = stack(design, "latency");
    let observed = local(python, &dir, &["--requests", "300", "--samples"]);
    assert_eq!(observed.code, 0, "{}", observed.stderr);
    let mut problems = Vec::new();
    let mut compared = 0;
    for report in observed.report["flows"].as_array().unwrap() {
        let name = format!("{} flow {}", design.display(), report["name"]);
        let (Some(p50), Some(p99)) = (
            report["estimate"]["p50_ms"].as_f64(),
            report["estimate"]["p99_ms"].as_f64(),
        ) else {
            continue;
        };
        let wall = numbers(&report["samples"]["ms"]);
        let model = numbers(&report["samples"]["model_ms"]);
        assert_eq!(wall.len(), 300, "{name}: {report}");
        // Every request waited at least what the model drew.
        if let Some((seen, drawn)) = wall.iter().zip(&model).find(|(seen, drawn)| **seen < **drawn - 0.01) {
            problems.push(format!(
                "{name}: a request took {seen} ms, below its modelled {drawn} ms"
            ));
        }
        compared += 1;
        // docs/compose.md, "Stubs": the estimate's p50, widened by 10% +
        // 0.5 ms either way, brackets the modelled median (between 40% and
        // 60% of the requests on either side), and 97% of the requests
        // finish within the estimate's p99 + 25% + 0.5 ms.
        let (d50, d99) = (0.10 * p50 + 0.5, 0.25 * p99 + 0.5);
        let (below, above) = (share_within(&model, p50 - d50), share_within(&model, p50 + d50));
        if below > 0.60 || above < 0.40 {
            problems.push(format!(
                "{name}: {below:.3} of the modelled requests within {:.2} ms and {above:.3} within {:.2} ms (estimate p50 {p50} ms)",
                p50 - d50,
                p50 + d50
            ));
        }
        let tail = share_within(&model, p99 + d99);
        if tail < 0.97 {
            problems.push(format!(
                "{name}: only {tail:.3} of the modelled requests within {:.2} ms (estimate p99 {p99} ms)",
                p99 + d99
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    (problems, compared)
}

#[test]
fn modelled_latency_is_within_the_documented_tolerance_of_the_estimate() {
    let Some(python) = python3() else {
        return skip("no python3 (3.8 or later) to run local.py");
    };
    // The modelled figures do not depend on how busy the machine is, so
    // the designs run side by side.
    let designs: Vec<PathBuf> = examples().into_iter().chain(fixtures()).collect();
    let results: Vec<(Vec<String>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = designs
            .iter()
            .map(|design| {
                let python = &python;
                scope.spawn(move || latency_problems(python, design))
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    let compared: usize = results.iter().map(|(_, compared)| compared).sum();
    let problems: Vec<String> = results.into_iter().flat_map(|(problems, _)| problems).collect();
    assert!(compared >= 20, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Processes whose command line names `dir`.
fn processes_in(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(&needle).then_some(cmdline)
        })
        .collect()
}

#[test]
fn local_runner_stops_at_its_deadline_and_leaves_no_process() {
    let Some(python) = python3() else {
        return skip("no python3 (3.8 or later) to run local.py");
    };
    let example = repo().join("examples/url_shortener.hld");
    let dir = stack(&example, "deadline");
    let started = std::time::Instant::now();
    let late = local(&python, &dir, &["--requests", "100000", "--deadline", "2"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(late.code, 1, "{}", late.stderr);
    let flows = outcomes(&late.report);
    assert!(flows.iter().all(|(_, ok, failed)| ok + failed == 100_000), "{flows:?}");
    assert!(flows.iter().any(|(_, _, failed)| *failed > 0), "{flows:?}");
    let not_sent = late.report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|flow| flow["not_sent"].as_u64())
        .sum::<u64>();
    assert!(not_sent > 0, "{}", late.report);
    assert!(processes_in(&dir).is_empty(), "{:?}", processes_in(&dir));

    for (args, needle) in [
        (&["--fail", "nope"][..], "--fail names no component of the design: nope"),
        (&["--requests", "0"][..], "--requests must be between 1 and 100000"),
        (&["--flow", "nope"][..], "no flow nope"),
        (&["--deadline", "nan"][..], "--deadline must be more than 0"),
    ] {
        let bad = local(&python, &dir, args);
        assert_eq!(bad.code, 2, "{args:?}: {}", bad.stderr);
        assert!(bad.stderr.contains(needle), "{args:?}: {}", bad.stderr);
        assert!(bad.report.is_null(), "{args:?}: printed a report");
    }
    assert!(processes_in(&dir).is_empty(), "{:?}", processes_in(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stubs_exit_when_local_py_is_killed_outright() {
    let Some(python) = python3() else {
        return skip("no python3 (3.8 or later) to run local.py");
    };
    let dir = stack(&repo().join("examples/url_shortener.hld"), "killed");
    let mut child = Command::new(&python)
        .arg(dir.join("local.py"))
        .args(["--requests", "100000"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Until its stubs run.
    let started = std::time::Instant::now();
    while processes_in(&dir.join("stubs")).len() < 3 && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!processes_in(&dir.join("stubs")).is_empty(), "no stub started");
    child.kill().unwrap(); // SIGKILL: no cleanup of its own
    child.wait().unwrap();
    let killed = std::time::Instant::now();
    while !processes_in(&dir.join("stubs")).is_empty() && killed.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(processes_in(&dir.join("stubs")).is_empty(), "{:?}", processes_in(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn moved_load_takes_the_survivors_latency_as_what_if_says() {
    let Some(python) = python3() else {
        return skip("no python3 (3.8 or later) to run local.py");
    };
    let design = repo().join("tests/fixtures/compose/stubs_regions.hld");
    let dir = stack(&design, "moved");
    // lb_us down: geo moves every request to lb_eu, 30 ms away, and api_us's
    // visit to eu's api; api_us down: lb_us moves it to api_us2.
    for failed in ["lb_us", "api_us"] {
        let what_if = run(&[
            "what-if",
            design.to_str().unwrap(),
            "--fail",
            failed,
            "--format",
            "json",
        ]);
        let predicted: serde_json::Value = serde_json::from_str(&what_if.stdout).unwrap();
        let observed = local(&python, &dir, &["--fail", failed, "--requests", "300"]);
        assert_eq!(observed.code, 0, "{}", observed.stderr);
        for flow in predicted["flows"].as_array().unwrap() {
            let name = flow["name"].as_str().unwrap();
            let after = if flow["after"].is_null() {
                &flow["before"]
            } else {
                &flow["after"]
            };
            let expected = after["latency"]["p50_ms"].as_f64().unwrap();
            let report = observed.report["flows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|report| report["name"] == name)
                .unwrap();
            assert_eq!(report["failed"], 0, "--fail {failed}: {report}");
            let model = report["model_p50_ms"].as_f64().unwrap();
            assert!(
                (model - expected).abs() <= 0.10 * expected + 0.5,
                "--fail {failed}: flow {name}: modelled p50 {model} ms, what-if's {expected} ms"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
