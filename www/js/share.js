// Share links and JSON export/import.
// A link carries the whole session — scenario (with its seed) and the recorded inputs — in the
// hash (never sent to a server), so it replays exactly what the sender saw. The JSON is
// deflate-compressed with the browser's own CompressionStream("deflate-raw") and base64url-encoded
// as "#z=…": a long session's input log is very repetitive, so links shrink several-fold without
// shipping a compression library. Older "#s=…" links (plain base64url JSON) still open.
// A scene is shared by name (#scene=exactly-once), which keeps those links short. A link made
// inside a scene also carries the scene's name and the narrated step ({scene, step} next to
// at_ms), so it reopens with the narration; links without them open as before.

function bytesToBase64Url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64UrlToBytes(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** Pipes bytes through a (De)CompressionStream and collects the output. */
async function through(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

const canDeflate = () => typeof CompressionStream === "function" && typeof DecompressionStream === "function";

/** "#z=…" (compressed) for a session ({scenario, inputs, at_ms}); "#s=…" where streams are missing. */
export async function encodeSession(session) {
  const bytes = new TextEncoder().encode(JSON.stringify(session));
  if (!canDeflate()) return "#s=" + bytesToBase64Url(bytes);
  return "#z=" + bytesToBase64Url(await through(bytes, new CompressionStream("deflate-raw")));
}

/**
 * Reads a hash: {scene} for "#scene=name", {session} for "#z=…" or the older "#s=…", {} otherwise.
 * Rejects with a readable Error on a damaged link.
 */
export async function decodeHash(hash) {
  const params = new URLSearchParams(String(hash ?? "").replace(/^#/, ""));
  const out = {};
  if (params.has("scene")) out.scene = params.get("scene");
  const z = params.get("z"), s = params.get("s");
  if (z !== null || s !== null) {
    let parsed;
    try {
      const raw = z !== null ? await through(base64UrlToBytes(z), new DecompressionStream("deflate-raw")) : base64UrlToBytes(s);
      parsed = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new Error("this share link is damaged (its scenario could not be decoded)");
    }
    out.session = normalizeSession(parsed);
  }
  return out;
}

/** Accepts an exported session or a bare scenario; returns {scenario, inputs, at_ms, scene?, step?}. */
export function normalizeSession(obj) {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) throw new Error("expected a JSON object");
  if (obj.scenario && typeof obj.scenario === "object") {
    const inputs = Array.isArray(obj.inputs) ? obj.inputs : [];
    for (const [i, x] of inputs.entries()) {
      if (!x || typeof x.at_ms !== "number" || !x.input || typeof x.input !== "object") throw new Error(`inputs[${i}]: expected {at_ms, input}`);
    }
    const out = { scenario: obj.scenario, inputs, at_ms: typeof obj.at_ms === "number" ? obj.at_ms : 0 };
    if (typeof obj.scene === "string" && obj.scene) out.scene = obj.scene;
    if (Number.isInteger(obj.step) && obj.step >= 0) out.step = obj.step;
    return out;
  }
  return { scenario: obj, inputs: [], at_ms: 0 };
}

/** Offers `text` as a file download. */
export function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
