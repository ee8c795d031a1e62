// For a script started on its own (`node scripts/X.mjs`) in a fresh clone: instead of a stack trace
// (ERR_MODULE_NOT_FOUND, ENOENT), one line saying what to run first, and exit status 1 (issue 23).
// The npm scripts in package.json set up and build first, so through them these never fire.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root (this file is in scripts/). */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

function stop(who, line) {
  console.error(`[${who}] ${line}`);
  process.exit(1);
}

/** Imports an npm dev dependency, or stops with "`pkg` is not installed: ADVICE". */
export async function need(pkg, who, advice = "run `npm run setup` first") {
  try {
    return await import(pkg);
  } catch (err) {
    if (err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
    return stop(who, `${pkg} is not installed: ${advice}`);
  }
}

/** Stops with "PATH is missing: ADVICE" unless the file (relative to the root) exists. */
export function needFile(path, who, advice) {
  if (!existsSync(`${ROOT}${path}`)) stop(who, `${path} is missing: ${advice}`);
}
