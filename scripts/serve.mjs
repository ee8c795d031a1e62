// Static server for www/ with node:http only (no dependency).
// Usage: node scripts/serve.mjs [port] [--fallback]
//   port: argv, else $PORT, else 8080. With --fallback a taken port falls back to a free one.
// Why a custom server: .wasm must be served as application/wasm (instantiateStreaming), and the
// page must run under the strict CSP it will meet when embedded in docs sites.
// Compression and caching (issue 9): text and wasm go out brotli- or gzip-encoded, whichever the
// browser accepts (a precompressed `file.br` / `file.gz` beside the file when it is at least as
// new, else compressed once with node:zlib and kept in memory until the file changes); every
// response has a strong ETag and `Cache-Control: no-cache`, so a reload revalidates (304, no body)
// and a rebuild is still picked up at once.
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants as Z, gzip } from "node:zlib";

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const ROOT = resolve(fileURLToPath(new URL("../www/", import.meta.url)));

/** Content types by extension (also used by tests/static-server.mjs). */
export const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/** The strict policy every page is served with (also used by tests/static-server.mjs). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors *",
].join("; ");

/** Types worth compressing (images here are already compressed). */
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".wasm", ".svg", ".txt", ".map", ".ts"]);

/** path → {mtimeMs, size, tag, raw, gz, br}: one entry per file, replaced when the file changes. */
const cache = new Map();

const brotliOpts = (size, quality) => ({
  params: { [Z.BROTLI_PARAM_QUALITY]: quality, [Z.BROTLI_PARAM_SIZE_HINT]: size },
});

/** A sibling `file.ext` at least as new as the file it compresses, else null. */
async function sibling(file, st, ext) {
  try {
    const s = await fs.stat(file + ext);
    return s.isFile() && s.mtimeMs >= st.mtimeMs ? fs.readFile(file + ext) : null;
  } catch {
    return null;
  }
}

/**
 * The file's bytes, ETag and encoded variants. Compressing on the spot uses brotli quality 5
 * (fast: ~0.1 s for a 600 KB wasm); quality 11 follows in the background and replaces it.
 */
async function entry(file, st) {
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.ready;
  const e = { mtimeMs: st.mtimeMs, size: st.size };
  e.ready = (async () => {
    const raw = await fs.readFile(file);
    e.raw = raw;
    e.tag = createHash("sha1").update(raw).digest("base64url").slice(0, 20);
    if (COMPRESSIBLE.has(extname(file).toLowerCase()) && raw.length > 256) {
      const [gzPre, brPre] = await Promise.all([sibling(file, st, ".gz"), sibling(file, st, ".br")]);
      [e.gz, e.br] = await Promise.all([
        gzPre ?? gzipAsync(raw, { level: 9 }),
        brPre ?? brotliAsync(raw, brotliOpts(raw.length, raw.length > 65536 ? 5 : 11)),
      ]);
      if (!brPre && raw.length > 65536) {
        brotliAsync(raw, brotliOpts(raw.length, 11)).then((b) => { e.br = b; }, () => {});
      }
      if (e.gz.length >= raw.length) e.gz = null;
      if (e.br.length >= raw.length) e.br = null;
    }
    return e;
  })();
  e.ready.catch(() => cache.delete(file));
  cache.set(file, e);
  return e.ready;
}

/** The encoding to send: brotli, else gzip, when the request accepts it (q=0 refuses). */
function pickEncoding(accept, e) {
  const q = new Map();
  for (const part of String(accept ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const qp = params.map((x) => x.trim()).find((x) => x.startsWith("q="));
    q.set(name, qp ? Number(qp.slice(2)) || 0 : 1);
  }
  const ok = (name) => (q.get(name) ?? q.get("*") ?? 0) > 0;
  if (e.br && ok("br")) return "br";
  if (e.gz && ok("gzip")) return "gzip";
  return null;
}

function send(res, status, text) {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Security-Policy": CSP });
  res.end(text);
}

/** Maps a URL path to a file under ROOT, or null when it would escape ROOT. */
function resolvePath(urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath.split("?")[0].split("#")[0]);
  } catch {
    return null; // malformed %-escape
  }
  if (p.includes("\0")) return null;
  const full = resolve(ROOT, "." + sep + normalize(p));
  // The trailing separator stops a sibling like "www-secret" from passing the prefix test.
  if (full !== ROOT && !full.startsWith(ROOT + sep)) return null;
  return full;
}

async function handle(req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
  let file = resolvePath(new URL(req.url, "http://x").pathname);
  if (!file) return send(res, 403, "forbidden\n");
  let st;
  try {
    st = await fs.stat(file);
    if (st.isDirectory()) {
      file = join(file, "index.html");
      st = await fs.stat(file);
    }
  } catch {
    return send(res, 404, "not found\n");
  }
  if (!st.isFile()) return send(res, 404, "not found\n");
  const e = await entry(file, st);
  const enc = pickEncoding(req.headers["accept-encoding"], e);
  const body = enc === "br" ? e.br : enc === "gzip" ? e.gz : e.raw;
  // One tag per representation; If-None-Match matches the file's content whatever the encoding.
  const etag = `"${e.tag}${enc ? `-${enc}` : ""}"`;
  const headers = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    // Revalidate every time (a rebuild is picked up on reload); unchanged files cost a 304.
    "Cache-Control": "no-cache",
    ETag: etag,
    Vary: "Accept-Encoding",
  };
  const inm = req.headers["if-none-match"];
  if (inm && (inm.trim() === "*" || inm.split(",").some((t) => t.trim().replace(/^W\//, "").replace(/-(br|gzip)"$/, '"') === `"${e.tag}"`))) {
    res.writeHead(304, headers);
    return res.end();
  }
  res.writeHead(200, {
    ...headers,
    "Content-Type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": body.length,
    ...(enc ? { "Content-Encoding": enc } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Compresses what the pages load before the first request asks (one file at a time). */
async function prewarm(dir) {
  for (const d of await fs.readdir(dir, { withFileTypes: true })) {
    const full = join(dir, d.name);
    if (d.isDirectory()) await prewarm(full);
    else if (d.isFile() && COMPRESSIBLE.has(extname(d.name).toLowerCase())) await entry(full, await fs.stat(full));
  }
}

/** Starts the server; resolves to the bound port (port 0 = any free port). */
export function serve(port = 0, { host = "127.0.0.1", fallback = false, quiet = false } = {}) {
  return new Promise((ok, fail) => {
    const server = createServer((req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, "internal error\n");
        else res.destroy();
      });
    });
    server.on("error", (err) => {
      if (err.code === "EADDRINUSE" && fallback && port !== 0) {
        if (!quiet) console.error(`[serve] port ${port} is taken; using a free one`);
        server.listen(0, host);
      } else fail(err);
    });
    server.on("listening", () => {
      prewarm(ROOT).catch(() => {});
      const bound = server.address().port;
      if (!quiet) console.log(`Mailroom is running at http://${host}:${bound}/`);
      ok({ port: bound, server });
    });
    server.listen(port, host);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Without the wasm the page would load and then fail: say so before serving (fresh clone).
  const { needFile } = await import("./need.mjs");
  needFile("www/pkg/mailroom_web_bg.wasm", "serve", "run `npm run build` first (or `npm start`, which builds and serves)");
  const args = process.argv.slice(2);
  const portArg = args.find((a) => /^\d+$/.test(a));
  const port = Number(portArg ?? process.env.PORT ?? 8080);
  serve(port, { fallback: args.includes("--fallback") }).catch((err) => {
    console.error(`[serve] ${err.message}`);
    process.exit(1);
  });
}
