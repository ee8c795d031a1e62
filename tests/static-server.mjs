// A tiny static file server standing in for a docs author's host (GitHub Pages, nginx, a CDN),
// used by tests/package.spec.js. Options make it behave like the awkward ones:
//   wasmType     the Content-Type sent for .wasm (default the right one, application/wasm;
//                "application/octet-stream" is what older servers and some CDNs send)
//   precompressed  serve x.br / x.gz (when the browser accepts it and the file exists) instead of x,
//                like nginx's gzip_static / brotli_static
//   csp          a Content-Security-Policy header for every response
// Every response is recorded in `served` ({path, type, encoding, status}).
//
// Run directly: node tests/static-server.mjs DIR [PORT] [--octet-stream]
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { MIME as TYPES, CSP } from "../scripts/serve.mjs";

/** The strict policy `npm start` sends: a docs host can send the same. */
export const STRICT_CSP = CSP;

async function isFile(p) {
  try { return (await stat(p)).isFile(); } catch { return false; }
}

/** Serves `root`; resolves to {url, served, close()}. */
export function serveStatic(root, { port = 0, wasmType = "application/wasm", precompressed = false, csp = null } = {}) {
  const base = resolve(root);
  const served = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = normalize(join(base, path));
    if (!file.startsWith(base)) { res.writeHead(403).end(); return; }
    if (path.endsWith("/")) file = join(file, "index.html");
    if (!(await isFile(file))) {
      served.push({ path, status: 404 });
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const ext = extname(file);
    const type = ext === ".wasm" ? wasmType : TYPES[ext] ?? "application/octet-stream";
    let body = file;
    let encoding = null;
    if (precompressed) {
      const accept = String(req.headers["accept-encoding"] ?? "");
      for (const [enc, suffix] of [["br", ".br"], ["gzip", ".gz"]]) {
        if (accept.includes(enc) && (await isFile(file + suffix))) { body = file + suffix; encoding = enc; break; }
      }
    }
    const headers = { "Content-Type": type, "Cache-Control": "no-cache", Vary: "Accept-Encoding" };
    if (encoding) headers["Content-Encoding"] = encoding;
    if (csp) headers["Content-Security-Policy"] = csp;
    served.push({ path, type, encoding, status: 200 });
    res.writeHead(200, headers).end(await readFile(body));
  });
  return new Promise((ok) => server.listen(port, "127.0.0.1", () => {
    ok({ url: `http://127.0.0.1:${server.address().port}`, served, close: () => new Promise((c) => server.close(c)) });
  }));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir = ".", port = "8000"] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const octet = process.argv.includes("--octet-stream");
  const s = await serveStatic(dir, { port: Number(port), wasmType: octet ? "application/octet-stream" : "application/wasm", precompressed: true });
  console.log(`serving ${dir} at ${s.url}/${octet ? " (.wasm as application/octet-stream)" : ""}`);
}
