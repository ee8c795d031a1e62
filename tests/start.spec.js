// Start and size (issue 9, point 4), the parts that can rot without anyone noticing:
//  - each page asks for every module, the wasm-bindgen glue, the .wasm and the widget's styles from
//    its <head> (modulepreload / preload), so nothing waits for the import before it (waterfall);
//    a new module that is missing from a page's list fails here;
//  - scripts/serve.mjs sends brotli or gzip with a strong ETag, answers a revalidation with 304,
//    and keeps the strict CSP on every answer;
//  - the start markers exist (mailroom:first-frame, mailroom:first-moving-frame; what
//    scripts/bench-start.mjs times). Timings are not asserted here: machines vary.
import { test, expect } from "./helpers.js";

const PAGES = [
  ["/", true],
  ["/embed.html?scenario=parallelism&controls=basic&autoplay=1", true],
  ["/docs-demo.html", false],
];

for (const [path, moving] of PAGES) {
  test(`${path}: every module, the wasm and the styles are preloaded from the head`, async ({ page, errors }) => {
    const loaded = new Set();
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (/\.(js|wasm|css)$/.test(u.pathname) && !u.search) loaded.add(u.pathname);
    });
    await page.addInitScript(() => { try { localStorage.setItem("mailroom.guide-seen", "1"); } catch { /* */ } });
    await page.goto(path);
    await page.waitForFunction((mv) => performance.getEntriesByName(mv ? "mailroom:first-moving-frame" : "mailroom:first-frame").length > 0, moving);
    const preloaded = await page.evaluate(() => [...document.querySelectorAll("head link[rel=modulepreload], head link[rel=preload], head link[rel=stylesheet], head script[src]")]
      .map((l) => new URL(l.href || l.src).pathname));
    const missing = [...loaded].filter((p) => !preloaded.includes(p)).sort();
    expect(missing, "loaded without being named in the page's head").toEqual([]);
    const unused = preloaded.filter((p) => !loaded.has(p));
    expect(unused, "preloaded but never used").toEqual([]);
    expect(errors).toEqual([]);
  });
}

test("the server compresses, tags and revalidates, under the same CSP", async ({ request }) => {
  for (const [path, type] of [["/pkg/mailroom_web_bg.wasm", "application/wasm"], ["/js/ui.js", "text/javascript"], ["/", "text/html"]]) {
    for (const enc of ["br", "gzip"]) {
      const r = await request.get(path, { headers: { "Accept-Encoding": enc } });
      expect(r.status()).toBe(200);
      const h = r.headers();
      expect(h["content-encoding"], `${path} with ${enc}`).toBe(enc);
      expect(h["content-type"]).toContain(type);
      expect(h["vary"]).toContain("Accept-Encoding");
      expect(h["cache-control"]).toBe("no-cache");
      expect(h["content-security-policy"]).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(h["etag"]).toMatch(/^"[\w-]+"$/);
      const again = await request.get(path, { headers: { "Accept-Encoding": enc, "If-None-Match": h["etag"] } });
      expect(again.status(), `${path} revalidated`).toBe(304);
      expect(again.headers()["content-security-policy"]).toBe(h["content-security-policy"]);
    }
    const plain = await request.get(path, { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers()["content-encoding"]).toBeUndefined();
  }
});
