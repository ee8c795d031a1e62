// Static server for www/ with node:http only (no dependency).
// Usage: node scripts/serve.mjs [port] [--fallback]
//   port: argv, else $PORT, else 8080. With --fallback a taken port falls back to a free one.
// Why a custom server: .wasm must be served as application/wasm (instantiateStreaming), and the
// page must run under the strict CSP it will meet when embedded in docs sites.
import { createServer } from "node:http";
import { createReadStream, promises as fs } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../www/", import.meta.url)));

const MIME = {
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

const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors *",
].join("; ");

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
  res.writeHead(200, {
    "Content-Type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": st.size,
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    // Development server: always fresh, so a rebuild is picked up on reload.
    "Cache-Control": "no-cache",
  });
  if (req.method === "HEAD") return res.end();
  createReadStream(file).on("error", () => res.destroy()).pipe(res);
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
      const bound = server.address().port;
      if (!quiet) console.log(`Mailroom is running at http://${host}:${bound}/`);
      ok({ port: bound, server });
    });
    server.listen(port, host);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const portArg = args.find((a) => /^\d+$/.test(a));
  const port = Number(portArg ?? process.env.PORT ?? 8080);
  serve(port, { fallback: args.includes("--fallback") }).catch((err) => {
    console.error(`[serve] ${err.message}`);
    process.exit(1);
  });
}
