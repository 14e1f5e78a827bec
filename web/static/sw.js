// Offline: this build's files, kept together in a cache named after the
// build (web/build.sh writes its hash below), so a page never mixes the
// JavaScript of one build with the WebAssembly of another. Installed all at
// once, served from the cache first; a new build installs beside it and
// removes the old cache when it takes over. Nothing else is fetched or kept.
const BUILD = "__HLD_BUILD__";
const CACHE = `hld-playground-${BUILD}`;
const FILES = ["./", "index.html", "main.js", "style.css", "hld_web_bg.wasm"];
const SCOPE = new URL("./", self.location).href;
const KEPT = new Set(FILES.map((file) => new URL(file, SCOPE).href));

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((name) => name.startsWith("hld-playground-") && name !== CACHE).map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  url.hash = "";
  url.search = "";
  if (event.request.method !== "GET" || !KEPT.has(url.href)) return;
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(url.href))
      .then((hit) => hit || fetch(event.request)),
  );
});
