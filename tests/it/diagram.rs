//! `hld diagram`: golden snapshots of every format for every example,
//! escaping of hostile labels, and the output-file rules.

use crate::common;

use common::{hld_files, repo, run, run_with_stdin, shared_examples};

fn examples() -> Vec<std::path::PathBuf> {
    let mut files = hld_files(&repo().join("examples"));
    if let Some(dir) = shared_examples() {
        files.extend(hld_files(&dir));
    }
    files
}

#[test]
fn every_example_in_every_format_matches_its_snapshot() {
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let origin = if path.starts_with(repo().join("examples")) {
            "own"
        } else {
            "shared"
        };
        for format in ["mermaid", "dot", "svg", "json"] {
            let run = run(&["diagram", path.to_str().unwrap(), "--format", format]);
            assert_eq!(run.code, 0, "{} {format}: {}", path.display(), run.stderr);
            let again = common::run(&["diagram", path.to_str().unwrap(), "--format", format]);
            assert_eq!(
                run.stdout,
                again.stdout,
                "{} {format} is not deterministic",
                path.display()
            );
            insta::assert_snapshot!(format!("{origin}_{stem}_{format}"), run.stdout);
        }
        let export = run(&["diagram", path.to_str().unwrap(), "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
        for flow in json["flows"].as_array().unwrap() {
            let name = flow["id"].as_str().unwrap();
            let sequence = run(&["diagram", path.to_str().unwrap(), "--flow", name]);
            assert_eq!(
                sequence.code,
                0,
                "{} --flow {name}: {}",
                path.display(),
                sequence.stderr
            );
            insta::assert_snapshot!(format!("{origin}_{stem}_flow_{name}"), sequence.stdout);
        }
    }
}

#[test]
fn an_unknown_flow_gets_a_did_you_mean() {
    let design = repo().join("tests/fixtures/imports/root.hld");
    let unknown = run(&["diagram", design.to_str().unwrap(), "--flow", "brwse"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("did you mean `browse`?"), "{}", unknown.stderr);
    let dot = run(&[
        "diagram",
        design.to_str().unwrap(),
        "--flow",
        "browse",
        "--format",
        "dot",
    ]);
    assert_eq!(dot.code, 2);
}

/// Reserved words as ids, quotes, brackets, `#`, HTML and unicode in labels
/// come out escaped: no raw `"`, `<` or `>` inside a label, no bare `end` id.
#[test]
fn hostile_labels_and_ids_are_escaped() {
    let design = r#"system end "a \"quoted\" <b>bold</b> & #1 [x] {y}" {
  client graph "users \"of\" <script>alert(1)</script>" { rps = 10 }
  service subgraph "café ☕ `tick` (1) {2} [3]" { replicas = 2 }
  database click "|pipe| ;semi; %% not a comment"
  region style "style \"region\"" { service class }
  graph -> subgraph -> click
  subgraph -> class { latency = 1ms }
}
"#;
    let run = run_with_stdin(&["diagram", "-"], design.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in run.stdout.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        let known = ["flowchart", "subgraph", "end", "classDef", "class", "linkStyle", "%%"].contains(&first)
            || first.starts_with("n_")
            || first.starts_with("legend_");
        assert!(known, "unexpected statement (unprefixed id?): {line}");
        if let (Some(open), Some(close)) = (line.find('"'), line.rfind('"'))
            && close > open
        {
            let inner = line[open + 1..close].replace("<br/>", "");
            assert!(!inner.contains(['"', '<', '>']), "unescaped label: {line}");
        }
    }
    assert!(run.stdout.contains("#quot;of#quot;"), "{}", run.stdout);
    assert!(run.stdout.contains("#lt;script#gt;"), "{}", run.stdout);
    let dot = run_with_stdin(&["diagram", "-", "--format", "dot"], design.as_bytes());
    assert!(dot.stdout.contains(r#"users \"of\" <script>"#), "{}", dot.stdout);
    let svg = run_with_stdin(&["diagram", "-", "--format", "svg"], design.as_bytes());
    assert_eq!(svg.code, 0, "{}", svg.stderr);
    assert!(
        svg.stdout
            .contains("users &quot;of&quot; &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        svg.stdout
    );
    assert!(!svg.stdout.contains("<script"), "{}", svg.stdout);
    assert!(svg.stdout.contains("café ☕ `tick` (1) {2} [3]"), "{}", svg.stdout);
}

#[test]
fn writes_the_output_file_and_never_over_a_foreign_one() {
    let dir = std::env::temp_dir().join(format!("hld-diagram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let design = repo().join("tests/fixtures/imports/root.hld");
    let out = dir.join("d.mmd");
    let first = run(&["diagram", design.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("flowchart LR"));
    let again = run(&["diagram", design.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(again.code, 0, "its own file is replaced: {}", again.stderr);
    let foreign = dir.join("notes.txt");
    std::fs::write(&foreign, "keep me").unwrap();
    let refused = run(&["diagram", design.to_str().unwrap(), "-o", foreign.to_str().unwrap()]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "keep me");
    let broken = dir.join("broken.mmd");
    let bad = run_with_stdin(
        &["diagram", "-", "-o", broken.to_str().unwrap()],
        b"system s { service a { replicas = 0 } }",
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.is_empty());
    assert!(!broken.exists(), "nothing is written when the input has errors");
    std::fs::remove_dir_all(&dir).ok();
}

/// The SVG layout has a size limit; past it the error says what to use.
#[test]
fn a_design_too_big_for_the_svg_layout_is_a_limit_error() {
    let mut design = String::from("system big {\n  client c\n");
    for idx in 0..700 {
        design.push_str(&format!("  service s{idx}\n"));
    }
    design.push_str("}\n");
    let run = run_with_stdin(&["diagram", "-", "--format", "svg"], design.as_bytes());
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("limit-exceeded"), "{}", run.stderr);
    assert!(run.stderr.contains("--format dot"), "{}", run.stderr);
}

/// `--group region`: one node per region, links between groups counted.
#[test]
fn grouped_by_region() {
    let design = repo().join("examples/global_redirects.hld");
    let grouped = run(&["diagram", design.to_str().unwrap(), "--group", "region"]);
    assert_eq!(grouped.code, 0, "{}", grouped.stderr);
    assert!(grouped.stdout.contains("r_us_east[["), "{}", grouped.stdout);
    insta::assert_snapshot!("own_global_redirects_grouped", grouped.stdout);
    let dot = run(&[
        "diagram",
        design.to_str().unwrap(),
        "--group",
        "region",
        "--format",
        "dot",
    ]);
    assert_eq!(dot.code, 2);
}

/// A design of `components` components in three regions (and some in none),
/// each linked from an earlier one, with extra links forward and back
/// (cycles) and labelled links: what a 25-component interview design looks
/// like, deterministic (a fixed linear congruential sequence).
fn generated_design(components: usize) -> String {
    const KINDS: [&str; 12] = [
        "load_balancer",
        "service",
        "service",
        "cache",
        "database",
        "queue",
        "worker",
        "search",
        "gateway",
        "object_store",
        "service",
        "external",
    ];
    let mut seed: u64 = 17;
    let mut next = |bound: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) as usize) % bound.max(1)
    };
    let kind = |idx: usize| if idx < 3 { "client" } else { KINDS[idx % KINDS.len()] };
    let mut text = String::from("system generated \"Generated\" {\n");
    for region in 0..3 {
        text.push_str(&format!("  region r{region} \"Region {region}\" {{\n"));
        for idx in (0..components).filter(|idx| idx % 4 == region) {
            text.push_str(&format!("    {} n{idx}\n", kind(idx)));
        }
        text.push_str("  }\n");
    }
    for idx in (0..components).filter(|idx| idx % 4 == 3) {
        text.push_str(&format!("  {} n{idx}\n", kind(idx)));
    }
    text.push_str("  rtt r0 <-> r1 = 80ms\n  rtt r0 <-> r2 = 150ms\n  rtt r1 <-> r2 = 200ms\n");
    let mut links = std::collections::BTreeSet::new();
    for idx in 3..components {
        links.insert((next(idx), idx));
    }
    for _ in 0..components {
        let (from, to) = (next(components), 3 + next(components - 3));
        if from != to && !links.contains(&(to, from)) {
            links.insert((from, to));
        }
    }
    for (count, (from, to)) in links.iter().enumerate() {
        let properties = match count % 5 {
            0 => " { op = read }",
            1 => " { op = write }",
            _ => "",
        };
        text.push_str(&format!("  n{from} -> n{to}{properties}\n"));
    }
    text.push_str("}\n");
    text
}

fn compile_design(name: &str, text: &str, path: Option<&std::path::Path>) -> hld::model::Design {
    use hld::model::load::{Input, Limits, compile};
    let input = Input {
        name: name.to_string(),
        path: path.map(std::path::Path::to_path_buf),
        key: path.and_then(|path| std::fs::canonicalize(path).ok()),
        bytes: text.as_bytes().to_vec(),
    };
    let compilation = compile(input, &hld::cli::fs::FsLoader, &Limits::default());
    let messages: Vec<_> = compilation.diagnostics.iter().map(|d| d.message.clone()).collect();
    compilation
        .design
        .unwrap_or_else(|| panic!("{name} does not compile: {messages:?}"))
}

/// Whether two rectangles share more than a border.
fn overlap(a: &hld::emit::svg_layout::Rect, b: &hld::emit::svg_layout::Rect) -> bool {
    a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
}

/// Checks the SVG layout's geometry: no edge crosses a box other than its
/// ends (each segment, and the bounding box of each segment that changes
/// height, which the drawing bends into a curve inside it); no label on a
/// box; each region's rectangle holds its own components and no other.
fn check_geometry(name: &str, design: &hld::model::Design) {
    use hld::emit::svg_layout::{Rect, segment_crosses};
    let layout = hld::emit::svg::layout(design).unwrap();
    assert_eq!(layout.nodes.len(), design.components.len(), "{name}");
    for route in &layout.edges {
        assert!(route.points.len() >= 2, "{name}: {route:?}");
        for pair in route.points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let bounds = Rect {
                x: a.x.min(b.x),
                y: a.y.min(b.y),
                width: (a.x - b.x).abs(),
                height: (a.y - b.y).abs(),
            };
            for (idx, node) in layout.nodes.iter().enumerate() {
                if idx == route.from || idx == route.to {
                    continue;
                }
                let other = &design.components[idx].id;
                assert!(
                    !segment_crosses(a, b, node, 0.0),
                    "{name}: the edge {} -> {} crosses {other}: {a:?} {b:?} {node:?}",
                    design.components[route.from].id,
                    design.components[route.to].id,
                );
                assert!(
                    a.y == b.y || !overlap(&bounds, node),
                    "{name}: the curve of {} -> {} may cross {other}",
                    design.components[route.from].id,
                    design.components[route.to].id,
                );
            }
        }
        if let Some(center) = route.label {
            let label = Rect {
                x: center.x - 4.0,
                y: center.y - hld::emit::svg_layout::LABEL_HEIGHT / 2.0,
                width: 8.0,
                height: hld::emit::svg_layout::LABEL_HEIGHT,
            };
            assert!(
                layout.nodes.iter().all(|node| !overlap(&label, node)),
                "{name}: a label on a box"
            );
        }
    }
    for (region_idx, rect) in layout.regions.iter().enumerate() {
        let Some(rect) = rect else { continue };
        for (component, node) in design.components.iter().zip(&layout.nodes) {
            let member = component.region.map(|region| region.0 as usize) == Some(region_idx);
            if member {
                assert!(
                    node.x >= rect.x
                        && node.right() <= rect.right()
                        && node.y >= rect.y
                        && node.bottom() <= rect.bottom(),
                    "{name}: {} outside its region",
                    component.id
                );
            } else {
                assert!(
                    !overlap(node, rect),
                    "{name}: {} inside region {}",
                    component.id,
                    design.regions[region_idx].id
                );
            }
        }
    }
}

/// Every example, every `hld init` template and a generated 25-component
/// design with regions: no edge through a box, regions hold only their own.
#[test]
fn svg_edges_go_around_boxes_and_regions_hold_their_own() {
    let mut checked = 0;
    for path in examples() {
        let text = std::fs::read_to_string(&path).unwrap();
        let design = compile_design(&path.display().to_string(), &text, Some(&path));
        if design.components.len() + design.links.len() <= hld::emit::svg::MAX_ELEMENTS {
            check_geometry(&path.display().to_string(), &design);
            checked += 1;
        }
    }
    for template in hld::init::TEMPLATES {
        let design = compile_design(template.name, template.text, None);
        check_geometry(template.name, &design);
        checked += 1;
    }
    let text = generated_design(25);
    let design = compile_design("generated", &text, None);
    assert_eq!(design.components.len(), 25);
    assert_eq!(design.regions.len(), 3);
    check_geometry("generated 25", &design);
    // And bigger ones, up to the limit.
    for components in [60, 150] {
        let design = compile_design("generated", &generated_design(components), None);
        check_geometry(&format!("generated {components}"), &design);
    }
    assert!(checked >= 10, "{checked}");
}

/// Regions are groups with their label, behind the boxes; the playground
/// finds a component by its group's `data-id`.
#[test]
fn svg_regions_are_labelled_groups() {
    let drawn = run_with_stdin(&["diagram", "-", "--format", "svg"], generated_design(25).as_bytes());
    assert_eq!(drawn.code, 0, "{}", drawn.stderr);
    let svg = &drawn.stdout;
    for region in 0..3 {
        let group = format!("<g class=\"region\" data-id=\"r{region}\">");
        let at = svg.find(&group).unwrap_or_else(|| panic!("{svg}"));
        assert!(svg[at..].contains(&format!(">Region {region}</text>")));
        assert!(at < svg.find("<g class=\"node ").unwrap());
    }
    assert_eq!(svg.matches("<g class=\"node ").count(), 25);
    assert!(svg.contains("id=\"hld-node-n0\" data-id=\"n0\""), "{svg}");
    // A region without a label is named by its id.
    let global = repo().join("examples/global_redirects.hld");
    let global = run(&["diagram", global.to_str().unwrap(), "--format", "svg"]);
    assert!(
        global
            .stdout
            .contains("<g class=\"region\" data-id=\"us_east\"><title>region us_east</title>"),
        "{}",
        global.stdout
    );
}
