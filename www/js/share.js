// Share links and JSON export/import.
// A link carries the whole session — scenario (with its seed) and the recorded inputs — as
// base64url JSON in the hash (never sent to a server), so it replays exactly what the sender saw.
// A scene is shared by name (#scene=exactly-once), which keeps those links short.

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** "#s=…" for a session ({scenario, inputs, at_ms}). */
export function encodeSession(session) {
  return "#s=" + toBase64Url(JSON.stringify(session));
}

/**
 * Reads a hash: {scene} for "#scene=name", {session} for "#s=…", {} otherwise.
 * Throws a readable Error on a damaged link.
 */
export function decodeHash(hash) {
  const params = new URLSearchParams(String(hash ?? "").replace(/^#/, ""));
  const out = {};
  if (params.has("scene")) out.scene = params.get("scene");
  if (params.has("s")) {
    let parsed;
    try {
      parsed = JSON.parse(fromBase64Url(params.get("s")));
    } catch {
      throw new Error("this share link is damaged (its scenario could not be decoded)");
    }
    out.session = normalizeSession(parsed);
  }
  return out;
}

/** Accepts an exported session or a bare scenario; returns {scenario, inputs, at_ms}. */
export function normalizeSession(obj) {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) throw new Error("expected a JSON object");
  if (obj.scenario && typeof obj.scenario === "object") {
    const inputs = Array.isArray(obj.inputs) ? obj.inputs : [];
    for (const [i, x] of inputs.entries()) {
      if (!x || typeof x.at_ms !== "number" || !x.input || typeof x.input !== "object") throw new Error(`inputs[${i}]: expected {at_ms, input}`);
    }
    return { scenario: obj.scenario, inputs, at_ms: typeof obj.at_ms === "number" ? obj.at_ms : 0 };
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
