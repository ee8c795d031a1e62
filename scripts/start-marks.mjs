// Shared by scripts/bench-start.mjs and scripts/start-breakdown.mjs: waiting for the page's start
// marks (mailroom:first-frame, mailroom:first-moving-frame, set by www/js/ui.js; window.__ready).

/**
 * Waits for the start marks without running anything in the page while it starts: Playwright's
 * waitForFunction injects its polling script (a trace showed ~12 ms of parse and compile on the
 * main thread), which lands on the path being timed. Polls from outside after the load
 * event instead, and evaluates only once the mark is there.
 */
export async function settled(page, wantMoving) {
  const name = wantMoving ? "mailroom:first-moving-frame" : "mailroom:first-frame";
  for (let waited = 0; ; waited += 250) {
    await page.waitForTimeout(waited ? 250 : 1000);
    if (await page.evaluate((n) => performance.getEntriesByName(n).length > 0 && window.__ready !== undefined, name)) return;
    if (waited > 20_000) throw new Error(`no ${name} after 20 s`);
  }
}
