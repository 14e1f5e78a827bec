// Renders every diagram of a manifest with the real Mermaid library in one
// headless Chromium session, and checks each: no Mermaid error, and for a
// flowchart one SVG node per component (besides the legend).
//
// An entry with "hostile": true comes from a design whose labels hold
// `%%{init: ...}%%` directives (tests/fuzz-regressions/hostile-labels.hld):
// its theme and styles must be Mermaid's defaults (the root style rule as in
// a plain diagram of its type, no `evil.example` in any <style>), and with
// "shows" its texts must show that string as written. An entry with
// "attack": true is the same directive written raw, the control: the check
// must find it changed the theme, or the check proves nothing.
//
// usage: node render.mjs MANIFEST.json
// MANIFEST: [{ "file": "...mmd", "kind": "flowchart"|"sequence", "components": N, "participants": [..],
//              "hostile": bool, "attack": bool, "shows": "..." }]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const mermaidJs = require.resolve('mermaid/dist/mermaid.min.js');

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: 'shell',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'],
});
let failures = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  await page.addScriptTag({ path: mermaidJs });
  await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
  let index = 0;
  // The root style rule (font, text colour) of a plain diagram of each type
  // under the page's configuration: what a hostile label must not change.
  const rootRule = (style) => (style.match(/^#ID\{[^}]*\}/) || ['(no root rule)'])[0];
  const baseline = {};
  for (const [kind, text] of [['flowchart', 'flowchart LR\n  a --> b'], ['sequence', 'sequenceDiagram\n  a->>b: x']]) {
    baseline[kind] = await page.evaluate(async (id, text) => {
      window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
      const { svg } = await window.mermaid.render(id, text);
      const container = document.getElementById('out');
      container.innerHTML = svg;
      const style = [...container.querySelectorAll('style')].map((node) => node.textContent).join('\n').split(`#${id}`).join('#ID');
      container.innerHTML = '';
      return style;
    }, `base${index++}`, text);
  }
  // Whether a rendered diagram's styles are not the defaults of its type.
  const restyled = (entry, result) => {
    const base = baseline[entry.kind === 'sequence' ? 'sequence' : 'flowchart'];
    if (result.style.includes('evil.example')) return 'a style holds evil.example';
    if (rootRule(result.style) !== rootRule(base)) return `the root style changed: ${rootRule(result.style)}`;
    return null;
  };
  for (const entry of manifest) {
    const text = readFileSync(entry.file, 'utf8');
    const result = await page.evaluate(async (id, text) => {
      try {
        // maxEdges and maxTextSize are "secure" keys: Mermaid ignores them in
        // a diagram's init directive, so a page showing a big hld diagram must
        // pass the directive's values to initialize, as done here.
        const directive = text.match(/^%%\{init:\s*(\{.*\})\s*\}%%/);
        const limits = directive ? JSON.parse(directive[1]) : {};
        window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', ...limits });
        const { svg } = await window.mermaid.render(id, text);
        // The SVG holds HTML labels, so read it as the browser does: in the page.
        const container = document.getElementById('out');
        container.innerHTML = svg;
        const nodes = [...container.querySelectorAll('g.node')].map((node) => node.id);
        const texts = [...container.querySelectorAll('text, foreignObject')].map((node) => node.textContent);
        const errors = container.querySelectorAll('.error-icon, .error-text').length;
        // The styles Mermaid wrote, the diagram's id taken out.
        const style = [...container.querySelectorAll('style')].map((node) => node.textContent).join('\n').split(`#${id}`).join('#ID');
        container.innerHTML = '';
        return { ok: errors === 0, nodes, texts, style, length: svg.length };
      } catch (error) {
        return { ok: false, error: String(error && error.message ? error.message : error) };
      }
    }, `d${index++}`, text);
    let problem = null;
    if (!result.ok) {
      problem = result.error || 'Mermaid drew an error diagram';
    } else if (entry.kind === 'flowchart') {
      const componentNodes = result.nodes.filter((id) => /^flowchart-n_/.test(id));
      if (componentNodes.length !== entry.components) {
        problem = `expected ${entry.components} component nodes, found ${componentNodes.length}`;
      }
    } else if (entry.kind === 'sequence') {
      const all = result.texts.join('\n');
      const missing = (entry.participants || []).filter((name) => !all.includes(name));
      if (missing.length) problem = `participants missing from the SVG: ${missing.join(', ')}`;
    }
    if (!problem && entry.hostile) {
      const change = restyled(entry, result);
      if (change) problem = `a label changed the configuration: ${change}`;
      else if (entry.shows && !result.texts.some((text) => text.includes(entry.shows))) {
        problem = `no text shows ${entry.shows} as written`;
      }
    } else if (!problem && entry.attack && !restyled(entry, result)) {
      problem = 'the raw directive changed nothing: the hostile check would not see an attack';
    }
    if (problem) {
      failures++;
      console.log(`FAIL ${entry.file}: ${problem}`);
    } else {
      console.log(`ok   ${entry.file} (${entry.kind}, ${result.length} bytes of SVG)`);
    }
  }
} finally {
  await browser.close();
}
console.log(`${manifest.length - failures} of ${manifest.length} diagrams rendered`);
process.exit(failures ? 1 : 0);
