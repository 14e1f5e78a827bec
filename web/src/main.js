// The playground page: a CodeMirror editor on the left; findings, the
// diagram, what-if and the estimate on the right; all computed in this page
// by hld's WebAssembly core (web/src/lib.rs), which answers with the same
// text as the command line. Nothing is sent anywhere: a shared link carries
// the design compressed in its fragment (after `#`), which browsers never
// send to a server.
import init, * as core from "../pkg/hld_web.js";
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { setDiagnostics } from "@codemirror/lint";
import { hldLanguage, hldHighlight } from "./highlight.js";
import { decodeShare, encodeShare } from "./share.js";

const $ = (id) => document.getElementById(id);

// Re-checking waits this long after the last keystroke (a check of 100
// components takes a few milliseconds; the wait only merges bursts).
const CHECK_DELAY_MS = 40;
// The diagram and estimate are laid out less often.
const DRAW_DELAY_MS = 200;

const api = {
  /** `hld check --format json` of `text` (options: name, files, config). */
  check: (text, options = {}) => core.check(text, JSON.stringify(options)),
  /** `hld estimate --format json`; throws with the errors on bad input. */
  estimate: (text, options = {}) => core.estimate(text, JSON.stringify(options)),
  /** `hld diagram --format svg`; throws with the errors on bad input. */
  diagram: (text, options = {}) => core.diagram(text, JSON.stringify(options), false),
  /** `hld what-if --fail IDS --format json` (ids: an array or "a,b"). */
  whatIf: (text, ids, options = {}) =>
    core.what_if(text, JSON.stringify(options), Array.isArray(ids) ? ids.join(",") : String(ids)),
  /** The `hld init` templates: [{name, title, description, text}]. */
  templates: () => JSON.parse(core.templates()),
  version: () => core.version(),
};

let view = null;
let failed = new Set();
let checkTimer = 0;
let drawTimer = 0;
let lastCheck = null;
// The text the diagram (and so what-if's clicks) was drawn from.
let drawn = null;

function source() {
  return view ? view.state.doc.toString() : "";
}

function setSource(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// An offset in the editor for a 1-based line and column of the report.
// The report counts characters (code points); the editor counts UTF-16
// units, two for a character outside the Basic Multilingual Plane.
function offset(doc, line, column) {
  const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
  let units = 0;
  let chars = 1;
  for (const char of at.text) {
    if (chars >= column) break;
    units += char.length;
    chars += 1;
  }
  return at.from + units;
}

// A failure inside the WebAssembly module is a bug in hld (the library
// never panics by design); say so rather than fail silently.
function reportCrash(error) {
  const message = error instanceof WebAssembly.RuntimeError
    ? "hld crashed on this design (a bug in hld): reload the page"
    : `hld failed: ${error.message || error}`;
  $("status").textContent = message;
  console.error(error);
}

function jumpTo(line, column) {
  const pos = offset(view.state.doc, line, column);
  view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
  view.focus();
}

function runCheck() {
  try {
    return check();
  } catch (error) {
    reportCrash(error);
    return null;
  }
}

function check() {
  const text = source();
  const started = performance.now();
  const report = JSON.parse(api.check(text));
  const elapsed = performance.now() - started;
  lastCheck = { report, elapsed, text };
  renderFindings(report);
  const doc = view.state.doc;
  const marks = report.diagnostics
    .filter((d) => d.file === "design.hld")
    .map((d) => {
      const from = offset(doc, d.line, d.column);
      const to = Math.max(from, offset(doc, d.end_line, d.end_column));
      return { from, to, severity: d.severity, message: `${d.message} [${d.rule}]`, source: "hld" };
    });
  view.dispatch(setDiagnostics(view.state, marks));
  $("status").textContent = `checked in ${elapsed.toFixed(1)} ms`;
  return report;
}

function renderFindings(report) {
  const list = $("findings");
  const items = report.diagnostics.map((d) => {
    const item = el(
      "li",
      { class: d.severity, "data-line": String(d.line), "data-rule": d.rule, tabindex: "0" },
      el("span", { class: "where" }, `${d.line}:${d.column}`),
      el("span", { class: "rule" }, d.rule),
      d.message,
    );
    if (d.help) item.append(el("span", { class: "help" }, `help: ${d.help}`));
    const jump = () => jumpTo(d.line, d.column);
    item.addEventListener("click", jump);
    item.addEventListener("keydown", (event) => event.key === "Enter" && jump());
    return item;
  });
  if (items.length === 0) items.push(el("li", { class: "clean" }, "No findings."));
  list.replaceChildren(...items);
  const s = report.summary;
  $("summary").textContent = `${s.errors} errors, ${s.warnings} warnings, ${s.infos} notes`;
}

function number(value, digits = 1) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

// Cut, never rounded up, as the command line does: 99.99996% is not 100%.
function percent(value) {
  if (value === null || value === undefined) return "–";
  return `${(Math.floor(value * 1e5) / 1e3).toFixed(3)}%`;
}

function table(id, head, rows) {
  const header = el("tr", {}, ...head.map((cell) => el("th", {}, cell)));
  const body = rows.map((row) =>
    el(
      "tr",
      {},
      ...row.map((cell) => (Array.isArray(cell) ? el("td", { class: cell[1] }, cell[0]) : el("td", {}, cell))),
    ),
  );
  $(id).replaceChildren(header, ...body);
}

function draw() {
  const text = source();
  drawn = text;
  const diagram = $("diagram");
  try {
    diagram.innerHTML = core.diagram(text, "{}", true);
  } catch (error) {
    diagram.replaceChildren(el("pre", { class: "diagram-error" }, String(error.message || error)));
  }
  // Failed components that no longer exist are forgotten.
  const ids = new Set([...diagram.querySelectorAll(".node[data-id]")].map((node) => node.dataset.id));
  failed = new Set([...failed].filter((id) => ids.has(id)));
  for (const node of diagram.querySelectorAll(".node[data-id]")) {
    node.addEventListener("click", () => toggleFailure(node.dataset.id));
  }
  try {
    renderEstimate(text);
    renderWhatIf(text);
  } catch {
    // Input errors: the findings list shows them.
    table("estimate", [], []);
    table("utilization", [], []);
    $("what-if").hidden = true;
  }
}

function renderEstimate(text) {
  const estimate = JSON.parse(api.estimate(text));
  table(
    "estimate",
    ["flow", "rps", "p50 ms", "p99 ms", "availability", "SLO"],
    estimate.flows.map((flow) => [
      flow.name,
      number(flow.rps, 0),
      number(flow.latency.p50_ms, 2),
      number(flow.latency.p99_ms, 2),
      percent(flow.availability),
      flow.slo ? (flow.slo.met ? "met" : ["missed", "missed"]) : "–",
    ]),
  );
  table(
    "utilization",
    ["component", "load rps", "capacity rps", "utilization", "wait ms"],
    estimate.components
      .filter((component) => component.capacity_rps !== null)
      .map((component) => [
        component.id,
        number(component.load_rps, 0),
        number(component.capacity_rps, 0),
        component.utilization >= 1
          ? [percent(component.utilization), "overloaded"]
          : percent(component.utilization),
        number(component.wait_ms, 2),
      ]),
  );
}

function toggleFailure(id) {
  if (failed.has(id)) failed.delete(id);
  else failed.add(id);
  // The design the diagram shows, which may be ahead of a half-typed edit.
  renderWhatIf(drawn ?? source());
}

function renderWhatIf(text) {
  for (const node of $("diagram").querySelectorAll(".node[data-id]")) {
    node.classList.toggle("failed", failed.has(node.dataset.id));
  }
  const panel = $("what-if");
  if (failed.size === 0) {
    panel.hidden = true;
    return;
  }
  const ids = [...failed].sort();
  let result;
  try {
    result = JSON.parse(api.whatIf(text, ids));
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) reportCrash(error);
    panel.hidden = true;
    return;
  }
  $("failed-list").textContent = ids.join(", ");
  const overloaded = result.components
    .filter((c) => !c.down && c.after?.utilization >= 1 && !(c.before?.utilization >= 1))
    .map((c) => c.id);
  const rows = result.flows.map((flow) => [
    flow.name,
    [flow.status, flow.status],
    number(flow.before.latency.p99_ms, 2),
    flow.after?.latency ? number(flow.after.latency.p99_ms, 2) : "–",
    flow.failed_at ?? (flow.bypassed.length ? `bypasses ${flow.bypassed.join(", ")}` : ""),
  ]);
  for (const id of overloaded) rows.push([id, ["overloaded", "overloaded"], "", "", "utilization ≥ 100%"]);
  table("what-if-table", ["flow", "status", "p99 before", "p99 after", "where"], rows);
  panel.hidden = false;
}

function scheduleChecks() {
  clearTimeout(checkTimer);
  clearTimeout(drawTimer);
  checkTimer = setTimeout(runCheck, CHECK_DELAY_MS);
  drawTimer = setTimeout(draw, DRAW_DELAY_MS);
}

async function share() {
  const link = `${location.href.split("#")[0]}#${await encodeShare(source())}`;
  history.replaceState(null, "", link);
  const field = $("share-link");
  field.value = link;
  field.hidden = false;
  field.select();
  try {
    await navigator.clipboard.writeText(link);
    $("status").textContent = "link copied";
  } catch {
    $("status").textContent = "link ready to copy";
  }
  return link;
}

async function start() {
  await init({ module_or_path: new URL("hld_web_bg.wasm", import.meta.url) });
  const vocabulary = JSON.parse(core.vocabulary());
  const templates = api.templates();
  const menu = $("templates");
  for (const template of templates) {
    menu.append(el("option", { value: template.name, title: template.description }, template.title));
  }
  menu.addEventListener("change", () => {
    const chosen = templates.find((template) => template.name === menu.value);
    if (chosen) {
      failed.clear();
      setSource(chosen.text);
    }
    menu.value = "";
  });
  let initial = templates[0]?.text ?? "";
  let shared = null;
  let notice = null;
  if (location.hash.length > 1) {
    try {
      shared = await decodeShare(location.hash.slice(1));
    } catch (error) {
      notice = `the link's design could not be read: ${error.message}`;
    }
  }
  if (shared !== null) initial = shared;
  view = new EditorView({
    parent: $("editor"),
    state: EditorState.create({
      doc: initial,
      extensions: [
        basicSetup,
        // Lines end at "\n" only, as for hld: a "\r" or U+2028 stays part of
        // the text the page checks, which is then the file's text exactly.
        EditorState.lineSeparator.of("\n"),
        hldLanguage(vocabulary),
        hldHighlight,
        EditorView.contentAttributes.of({ id: "source", "aria-label": "Design source" }),
        EditorView.updateListener.of((update) => update.docChanged && scheduleChecks()),
      ],
    }),
  });
  $("share").addEventListener("click", share);
  $("clear-failures").addEventListener("click", () => {
    failed.clear();
    renderWhatIf(drawn ?? source());
  });
  $("version").textContent = api.version();
  runCheck();
  draw();
  if (notice) $("status").textContent = notice;
  window.hld = Object.assign(api, {
    source,
    setSource,
    share,
    fail: (ids) => {
      failed = new Set(ids);
      renderWhatIf(drawn ?? source());
    },
    lastCheck: () => lastCheck,
    /** Whether the findings and the diagram show the editor's text. */
    settled: () => lastCheck?.text === source() && drawn === source(),
    cursor: () => {
      const head = view.state.selection.main.head;
      const line = view.state.doc.lineAt(head);
      return { line: line.number, column: head - line.from + 1 };
    },
    ready: true,
  });
  document.body.dataset.ready = "true";
  if ("serviceWorker" in navigator && location.protocol.startsWith("http")) {
    navigator.serviceWorker.register("sw.js").catch(() => {});
  }
}

start().catch((error) => {
  $("status").textContent = `hld failed to start: ${error.message || error}`;
  console.error(error);
});
