// A design in a link: its text deflated (CompressionStream, built into the
// browser) and written in base64url after `#z=`. The fragment stays in the
// browser: it is never sent to the server that hosts the page.
const PREFIX = "z=";

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The fragment (without `#`) that carries `text`. */
export async function encodeShare(text) {
  const packed = await pipe(new TextEncoder().encode(text), new CompressionStream("deflate-raw"));
  return PREFIX + toBase64Url(packed);
}

/** The design a fragment carries; throws when it carries none. */
export async function decodeShare(fragment) {
  if (!fragment.startsWith(PREFIX)) throw new Error("the link carries no design");
  const bytes = await pipe(fromBase64Url(fragment.slice(PREFIX.length)), new DecompressionStream("deflate-raw"));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
