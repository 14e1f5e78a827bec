// The playground in headless Chromium (tests/it/playground.rs writes the
// manifest: every bundled design with what the command line printed for
// it). Serves web/dist on loopback, then checks:
//   - window.hld.check / estimate / diagram / whatIf print what the CLI does;
//   - a check of a 100-component design takes under 50 ms in the page;
//   - typing into #source updates #findings, and clicking a finding moves
//     the cursor to its line;
//   - clicking a component in the diagram runs what-if on it;
//   - a share link opens the same design in a new page.
// Usage: node web/test/playground.mjs MANIFEST (CHROMIUM: the browser).
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");
const manifest = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const CHECK_BUDGET_MS = 50;

const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const server = http.createServer((request, response) => {
  const url = new URL(request.url, "http://localhost");
  const name = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
  const file = path.join(dist, path.normalize(name));
  if (!file.startsWith(dist) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
  fs.createReadStream(file).pipe(response);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}/`;

const failures = [];

// Waits until the findings and the diagram show the editor's text.
const settled = (page) => page.waitForFunction(() => window.hld.settled(), { timeout: 5000 });
function expect(ok, message) {
  if (!ok) failures.push(message);
  return ok;
}

// The first line where two texts differ, for a readable failure.
function firstDifference(a, b) {
  const left = a.split("\n");
  const right = b.split("\n");
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) return `line ${i + 1}:\n  cli:  ${left[i]}\n  page: ${right[i]}`;
  }
  return "(same lines)";
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(base, { waitUntil: "load" });
  await page.waitForFunction(() => window.hld && window.hld.ready, { timeout: 30000 });

  // 1. The page prints what the command line prints.
  let compared = 0;
  for (const item of manifest.cases) {
    const options = { name: item.name, files: item.files };
    if (item.config !== null) options.config = item.config;
    const got = await page.evaluate(
      (text, options, fail) => {
        const attempt = (f) => {
          try {
            return f();
          } catch (error) {
            return null;
          }
        };
        return {
          check: window.hld.check(text, options),
          estimate: attempt(() => window.hld.estimate(text, options)),
          diagram: attempt(() => window.hld.diagram(text, options)),
          what_if: fail === null ? null : attempt(() => window.hld.whatIf(text, [fail], options)),
        };
      },
      item.text,
      options,
      item.what_if ? item.what_if.fail : null,
    );
    const wanted = { check: item.check, estimate: item.estimate, diagram: item.diagram, what_if: item.what_if?.json ?? null };
    for (const key of Object.keys(wanted)) {
      const same = got[key] === wanted[key];
      if (!same) {
        const detail = got[key] === null || wanted[key] === null
          ? `cli ${wanted[key] === null ? "failed" : "printed"}, page ${got[key] === null ? "threw" : "printed"}`
          : firstDifference(wanted[key], got[key]);
        expect(false, `${item.path}: ${key} differs from the CLI: ${detail}`);
      }
      compared += 1;
    }
  }
  console.log(`compared ${compared} outputs of ${manifest.cases.length} designs with the CLI`);

  // 2. A 100-component check in the page, timed (median of 15, after one
  // to warm up).
  const timings = await page.evaluate((text) => {
    window.hld.check(text);
    const runs = [];
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      window.hld.check(text);
      runs.push(performance.now() - start);
    }
    return runs.sort((a, b) => a - b);
  }, manifest.large);
  const median = timings[Math.floor(timings.length / 2)];
  console.log(`check of the 100-component design: median ${median.toFixed(2)} ms, max ${timings.at(-1).toFixed(2)} ms`);
  expect(median < CHECK_BUDGET_MS, `a 100-component check took ${median.toFixed(2)} ms (budget ${CHECK_BUDGET_MS} ms)`);

  // 3. Typing re-checks: start clean, type a misspelt kind, see the error.
  await page.evaluate(() => window.hld.setSource("system s {\n  client users\n  service api\n  users -> api\n}\n"));
  await settled(page);
  const before = await page.$eval("#findings", (list) => list.textContent);
  await page.click("#source");
  await page.keyboard.down("Control");
  await page.keyboard.press("End");
  await page.keyboard.up("Control");
  await page.keyboard.type("oops");
  await page.waitForFunction(() => window.hld.source().endsWith("oops") && window.hld.settled(), { timeout: 5000 });
  const typed = await page.evaluate(() => window.hld.source());
  const after = await page.$eval("#findings", (list) => list.textContent);
  expect(after !== before, "typing into #source did not update #findings");
  expect(typed.endsWith("oops"), `the editor holds ${JSON.stringify(typed.slice(-20))} after typing`);
  const finding = await page.$eval("#findings li", (item) => ({ line: item.dataset.line, cls: item.className }));
  expect(finding.cls === "error" && finding.line === "6", `after typing, the first finding is ${JSON.stringify(finding)}`);
  // Clicking a finding moves the cursor to its line.
  await page.evaluate(() => window.hld.setSource("system s {\n  client users { rps = 100 }\n  service api\n  database db : postgres\n  users -> api -> db\n  flow read { path = users -> api -> db }\n}\n"));
  await settled(page);
  const target = await page.$eval("#findings li[data-rule]", (item) => Number(item.dataset.line));
  await page.click("#findings li[data-rule]");
  const line = await page.evaluate(() => window.hld.cursor().line);
  expect(line === target, `clicking a finding of line ${target} put the cursor on line ${line}`);

  // 4. Clicking a component fails it (what-if).
  await page.click('#diagram .node[data-id="db"]');
  const whatIf = await page.$eval("#what-if", (panel) => ({
    hidden: panel.hidden,
    rows: [...panel.querySelectorAll("tr")].map((row) => [...row.cells].map((cell) => cell.textContent)),
  }));
  const readRow = whatIf.rows.find((row) => row[0] === "read");
  expect(!whatIf.hidden && readRow?.[1] === "failed", `clicking db showed ${JSON.stringify(whatIf)}`);
  // A second click brings it back.
  await page.click('#diagram .node[data-id="db"]');
  const cleared = await page.$eval("#what-if", (panel) => panel.hidden);
  expect(cleared, "a second click on db did not clear the failure");

  // Hostile labels reach the diagram as escaped text, never as markup.
  if (manifest.hostile) {
    await page.evaluate((text) => window.hld.setSource(text), manifest.hostile);
    await settled(page);
    const injected = await page.evaluate(() =>
      [...document.querySelectorAll("#diagram *")].filter(
        (node) => node.localName === "script" || node.localName === "foreignObject" ||
          [...node.attributes].some((attribute) => attribute.name.startsWith("on")),
      ).length,
    );
    const nodes = await page.evaluate(() => document.querySelectorAll("#diagram .node").length);
    expect(injected === 0 && nodes > 0, `the hostile design drew ${nodes} nodes and ${injected} injected elements`);
  }

  // 5. A share link round-trips, with text outside ASCII.
  const shared = "// café ☕ \u{1F680}\nsystem s {\n  client users\n  service api\n  users -> api\n}\n";
  await page.evaluate((text) => window.hld.setSource(text), shared);
  await page.click("#share");
  await page.waitForFunction(() => !document.querySelector("#share-link").hidden, { timeout: 5000 });
  const link = await page.$eval("#share-link", (field) => field.value);
  expect(link.startsWith(base) && link.includes("#z="), `the share link is ${link}`);
  const other = await browser.newPage();
  other.on("pageerror", (error) => errors.push(String(error)));
  await other.goto(link, { waitUntil: "load" });
  await other.waitForFunction(() => window.hld && window.hld.ready, { timeout: 30000 });
  const opened = await other.evaluate(() => window.hld.source());
  expect(opened === shared, `the share link opened ${JSON.stringify(opened)}`);
  console.log(`share link: ${link.length} characters for ${shared.length} of design`);
  // A link that inflates past the limit (8 MB of spaces, a few KB packed)
  // is refused with a message, and the page still starts.
  const bomb = await other.evaluate(async () => {
    const big = new Uint8Array(8 * 1024 * 1024).fill(32);
    const packed = await new Response(new Blob([big]).stream().pipeThrough(new CompressionStream("deflate-raw"))).arrayBuffer();
    let binary = "";
    const bytes = new Uint8Array(packed);
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  });
  const third = await browser.newPage();
  await third.goto(`${base}#z=${bomb}`, { waitUntil: "load" });
  await third.waitForFunction(() => window.hld && window.hld.ready, { timeout: 30000 });
  const status = await third.$eval("#status", (node) => node.textContent);
  const loaded = await third.evaluate(() => window.hld.source().length);
  await third.close();
  expect(
    status.includes("could not be read") && loaded < 1024 * 1024,
    `a link inflating to 8 MB: status ${JSON.stringify(status)}, ${loaded} characters loaded`,
  );

  // 6. Offline: the service worker keeps the page's files, so with the
  // server gone the page still loads and checks.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(
    async () => {
      const names = (await caches.keys()).filter((name) => name.startsWith("hld-playground-"));
      return names.length === 1 && (await (await caches.open(names[0])).keys()).length === 5;
    },
    { timeout: 10000 },
  );
  await new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
  await page.reload({ waitUntil: "load" });
  const offline = await page
    .waitForFunction(() => window.hld && window.hld.ready, { timeout: 15000 })
    .then(() => page.evaluate(() => JSON.parse(window.hld.check("system s {\n  client c\n}\n")).version))
    .catch((error) => String(error));
  expect(offline === 1, `offline, the page did not come back: ${offline}`);
  console.log("offline: the page reloads and checks from the service worker's copy");

  expect(errors.length === 0, `errors in the page: ${errors.join("; ")}`);
} finally {
  await browser.close();
  server.close();
  server.closeAllConnections();
}

if (failures.length > 0) {
  console.log(`${failures.length} failures:\n${failures.join("\n")}`);
  process.exit(1);
}
console.log("the playground agrees with the CLI");
