// Opens each page `hld explain --format html` wrote, from disk, in headless
// Chromium, and checks it the way a reader would: no console error, no page
// error, no request for anything but the file itself (no network, no other
// file), no script, the diagram's SVG with one node per component, a print
// stylesheet that hides the navigation. Saves a full-page screenshot of each.
//
// Reuses the puppeteer-core of .ci/mermaid (installed by .ci/install-tools).
//
// usage: node check.mjs MANIFEST.json
// MANIFEST: [{ "file": "/abs/page.html", "components": N, "screenshot": "/abs/page.png" }]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../mermaid/package.json', import.meta.url));
const puppeteer = require('puppeteer-core');
const manifest = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: 'shell',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'],
});
let failures = 0;
try {
  for (const entry of manifest) {
    const problems = [];
    const page = await browser.newPage();
    const url = pathToFileURL(entry.file).href;
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url() !== url) {
        problems.push(`request for ${request.url()}`);
        request.abort();
      } else {
        request.continue();
      }
    });
    await page.setViewport({ width: 1280, height: 900 });
    const response = await page.goto(url, { waitUntil: 'load' });
    if (!response || !response.ok()) problems.push(`could not open ${url}`);
    const found = await page.evaluate(() => ({
      svgs: document.querySelectorAll('figure.diagram svg').length,
      nodes: document.querySelectorAll('figure.diagram svg g.node').length,
      scripts: document.querySelectorAll('script').length,
      sections: document.querySelectorAll('main > section').length,
      width: document.querySelector('figure.diagram svg')?.getBoundingClientRect().width || 0,
    }));
    if (found.svgs !== 1) problems.push(`expected 1 diagram SVG, found ${found.svgs}`);
    if (found.nodes !== entry.components) problems.push(`expected ${entry.components} component nodes, found ${found.nodes}`);
    if (found.scripts !== 0) problems.push(`${found.scripts} script elements`);
    if (found.sections !== entry.sections) problems.push(`expected ${entry.sections} sections, found ${found.sections}`);
    if (!(found.width > 0)) problems.push('the diagram has no width');
    await page.screenshot({ path: entry.screenshot, fullPage: true });
    await page.emulateMediaType('print');
    const printed = await page.evaluate(() => ({
      nav: getComputedStyle(document.querySelector('nav')).display,
      svg: document.querySelector('figure.diagram svg')?.getBoundingClientRect().width || 0,
    }));
    if (printed.nav !== 'none') problems.push('the navigation is printed');
    if (!(printed.svg > 0)) problems.push('the diagram disappears in print');
    await page.close();
    if (problems.length) {
      failures++;
      console.log(`FAIL ${entry.file}:\n  ${problems.join('\n  ')}`);
    } else {
      console.log(`ok   ${entry.file} (${found.nodes} nodes; screenshot ${entry.screenshot})`);
    }
  }
} finally {
  await browser.close();
}
console.log(`${manifest.length - failures} of ${manifest.length} pages passed`);
process.exit(failures ? 1 : 0);
