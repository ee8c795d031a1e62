// The stage's own drawing state (stage.debugState(): what the last frame drew, not pixels):
// processed-but-uncommitted records look different from unread and committed ones, labels never
// overlap at the key moments, eager vs cooperative downtime is drawn per partition from the frame,
// names are not cut at docs width, and the focus card names things in full by keyboard too.
import { test, expect, open, sim, ARTIFACTS } from "./helpers.js";

/** Seeks the main page's controller to `ms`, paused, and waits for two drawn frames. */
async function seekTo(page, ms) {
  await sim(page, (c, t) => { c.pause(); c.seek(t); }, ms);
  await expect.poll(() => sim(page, (c) => c.nowMs())).toBe(ms);
  await frames(page);
}
const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const drawn = (page) => sim(page, (c) => c.view.stage.debugState());

/**
 * Plays from `from` to `to` (sim ms) at 1× and checks every drawn frame's placed labels:
 * returns {frames, overlaps: [..], kinds: {kind: frames it appeared in}, together: frames with all `want` kinds}.
 */
function watchLabels(page, from, to, want) {
  return page.evaluate(async ([from, to, want]) => {
    const c = window.mailroom;
    c.pause();
    c.seek(from);
    while (c.state().seeking) await new Promise((r) => requestAnimationFrame(r));
    c.setSpeed(1);
    c.play();
    const out = { frames: 0, overlaps: [], kinds: {}, together: 0 };
    const t0 = performance.now();
    while (c.nowMs() < to && performance.now() - t0 < 20000) {
      await new Promise((r) => requestAnimationFrame(r));
      if (!c.playing) c.play(); // a scene step pauses playback at its moment
      const L = c.view.stage.debugState().labels;
      out.frames++;
      const seen = new Set(L.map((l) => l.kind));
      for (const k of seen) out.kinds[k] = (out.kinds[k] ?? 0) + 1;
      if (want.every((k) => seen.has(k))) out.together++;
      for (let a = 0; a < L.length; a++) {
        for (let b = a + 1; b < L.length; b++) {
          const p = L[a], q = L[b];
          if (p.x < q.x + q.w && p.x + p.w > q.x && p.y < q.y + q.h && p.y + p.h > q.y) out.overlaps.push(`${c.nowMs()} ms: ${p.kind} "${p.text}" over ${q.kind} "${q.text}"`);
        }
      }
    }
    c.pause();
    return out;
  }, [from, to, want]);
}

test("processed but uncommitted records differ from unread and committed ones in the drawing", async ({ page, errors }) => {
  await open(page, "/#scene=crash-before-commit");
  // consumer-1 crashed right after processing a batch, before committing it
  await seekTo(page, 8000);
  const { env, parts } = await sim(page, (c) => {
    const f = c.frame, K = f.K;
    const parts = [];
    for (let i = 0; i < f.total; i++) parts.push({ committed: f.gp(0, i, K.GP_COMMITTED), procEnd: f.gp(0, i, K.GP_PROCESSED_END), position: f.gp(0, i, K.GP_POSITION) });
    return { env: c.view.stage.debugState().envelopes, parts };
  });
  expect(env.length).toBeGreaterThan(10);
  // each drawn envelope's status is the one the frame's offsets give it
  for (const e of env) {
    const p = parts[e.partition];
    const c = Math.max(0, p.committed);
    const want = e.offset < c ? "committed" : e.offset < p.procEnd ? "processed" : e.offset < p.position ? "fetched" : "unread";
    expect(e.status, `P${e.partition}@${e.offset}`).toBe(want);
  }
  const of = (s) => env.filter((e) => e.status === s);
  expect(of("processed").length, "the crashed batch is drawn as processed, not committed").toBeGreaterThan(0);
  expect(of("unread").length).toBeGreaterThan(0);
  expect(of("committed").length).toBeGreaterThan(0);
  // the look of each status: processed = amber frame + check mark, full colour; unread = dark
  // outline + closed flap, full colour; committed = faded
  for (const e of of("processed")) expect([e.outline, e.shape, e.alpha]).toEqual(["amber", "check", 1]);
  for (const e of of("unread")) expect([e.outline, e.shape, e.alpha]).toEqual(["dark", "flap", 1]);
  for (const e of of("committed")) expect(e.alpha).toBeLessThan(0.5);
  const look = (e) => `${e.outline}|${e.shape}|${e.alpha}`;
  const looks = new Set(["processed", "unread", "committed"].map((s) => look(of(s)[0])));
  expect(looks.size, "three statuses, three looks").toBe(3);
  // processed records sit above the unread ones of their shelf (lifted), whatever their key colour
  for (const e of of("processed")) {
    const u = env.find((x) => x.partition === e.partition && x.status === "unread");
    if (u) expect(e.y).toBeLessThan(u.y);
  }
  await page.screenshot({ path: `${ARTIFACTS}stage-processed-uncommitted.png` });
});

test("labels never overlap: the duplicate flash beside a moved badge, remapped keys beside moved badges", async ({ page, errors }) => {
  await open(page, "/#scene=crash-before-commit");
  // consumer-2 takes over consumer-1's partitions ("moved → c2") and processes records again
  const dup = await watchLabels(page, 12000, 16500, ["duplicate", "tag"]);
  expect(dup.overlaps).toEqual([]);
  expect(dup.kinds.tag ?? 0, "moved badges were drawn").toBeGreaterThan(0);
  expect(dup.kinds.duplicate ?? 0, "the duplicate flash was drawn (not skipped)").toBeGreaterThan(0);
  expect(dup.together, "the flash and a badge were on the stage together").toBeGreaterThan(0);
  expect(dup.kinds.partition).toBe(dup.frames); // every frame reserved the shelves' labels
  expect(dup.kinds.leo).toBe(dup.frames);

  await page.goto("about:blank");
  await open(page, "/#scene=add-partitions");
  // the topic grows: keys move ("user-4 moved here") while the group moves partitions ("moved → c1")
  const remap = await watchLabels(page, 7000, 10500, ["remap", "tag"]);
  expect(remap.overlaps).toEqual([]);
  expect(remap.kinds.remap ?? 0, "remapped keys' captions were drawn").toBeGreaterThan(0);
  expect(remap.kinds.tag ?? 0).toBeGreaterThan(0);
  expect(remap.together).toBeGreaterThan(0);
  await page.screenshot({ path: `${ARTIFACTS}stage-labels-add-partitions.png` });
});

test("eager vs cooperative: the downtime bars come from the frame, eager's every partition, cooperative's movers only", async ({ page, errors }) => {
  await open(page, "/#scene=eager-vs-cooperative");
  const read = () => sim(page, (c) => {
    const f = c.frame, K = f.K;
    const g = (gi) => f.subscribed[gi].map((i) => ({ down: f.gp(gi, i, K.GP_DOWNTIME_MS), owner: f.gp(gi, i, K.GP_OWNER) }));
    return { frame: [g(0), g(1)], drawn: c.view.stage.debugState().downtime, strategies: [f.groupStrategy(0), f.groupStrategy(1)] };
  });
  await seekTo(page, 6999); // just before consumer-3 joins both groups
  const before = await read();
  await seekTo(page, 16000); // both groups stable again
  const after = await read();
  expect(after.strategies).toEqual(["range", "cooperative-sticky"]);
  const diff = (gi) => after.frame[gi].map((p, k) => p.down - before.frame[gi][k].down);
  const eager = diff(0), coop = diff(1);
  const moved = after.frame[1].map((p, k) => p.owner !== before.frame[1][k].owner);
  expect(eager.every((d) => d > 0), `eager: ${eager}`).toBe(true);
  coop.forEach((d, k) => expect(d > 0, `cooperative P${k}: ${d} ms, moved ${moved[k]}`).toBe(moved[k]));
  expect(moved.some(Boolean)).toBe(true);
  const sum = (v) => v.reduce((a, b) => a + b, 0);
  expect(sum(eager)).toBeGreaterThan(sum(coop));
  // the stage draws exactly those numbers, one bar per partition per group
  expect(after.drawn.map((g) => g.map((p) => p.ms))).toEqual([eager, coop]);
  await page.screenshot({ path: `${ARTIFACTS}stage-eager-vs-cooperative-downtime.png` });
});

test.describe("at docs width (720×460)", () => {
  test.use({ viewport: { width: 720, height: 460 } });
  test("names are shortened, never cut, and the focus card names them in full by keyboard", async ({ page, errors }) => {
    await open(page, "/embed.html?scenario=eager-vs-cooperative&controls=full");
    await seekTo(page, 12000);
    const st = await drawn(page);
    expect(st.names.length).toBeGreaterThanOrEqual(8); // 2 groups + 6 consumers
    for (const n of st.names) {
      expect(n.drawn, `${n.full} drawn as "${n.drawn}"`).not.toContain("…");
      const base = n.drawn.replace(/ ★$/, "");
      expect([n.full, n.full.replace(/^([a-z])[a-z]*-(\d+)$/i, "$1$2")]).toContain(base);
    }
    expect(st.names.map((n) => n.full)).toEqual(expect.arrayContaining(["eager", "cooperative", "consumer-1", "consumer-3"]));
    // keyboard: ↓ on the stage walks the partitions, then the consumers; the card says it in full
    await page.locator("#app").evaluate((host) => (host.shadowRoot ?? host).querySelector(".mr-stagebox").focus());
    const partitions = await sim(page, (c) => c.frame.total);
    await page.keyboard.press("ArrowDown");
    await frames(page);
    expect((await drawn(page)).focusText).toMatch(/^user-activity P0 · log \d+–\d+ · eager: consumer-\d/);
    for (let k = 0; k < partitions; k++) await page.keyboard.press("ArrowDown");
    await frames(page);
    expect(await sim(page, (c) => c.view.stage.focus)).toEqual({ member: [0, 0] });
    expect((await drawn(page)).focusText).toMatch(/^consumer-1 \(eager\) · /);
    await page.screenshot({ path: `${ARTIFACTS}stage-720-focus-card.png` });
    await page.keyboard.press("Escape");
    await frames(page);
    expect((await drawn(page)).focusText).toBeNull();
  });
});
