// A design in a link: its text deflated (CompressionStream, built into the
// browser) and written in base64url after `#z=`. The fragment stays in the
// browser: it is never sent to the server that hosts the page.
const PREFIX = "z=";
// A link's design may unpack to at most this many bytes: a small link that
// inflates to gigabytes (a "zip bomb") is refused, not unpacked.
const MAX_DESIGN_BYTES = 4 * 1024 * 1024;

async function pipe(bytes, stream) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_DESIGN_BYTES) {
      await reader.cancel();
      throw new Error(`the design is over ${MAX_DESIGN_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
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
