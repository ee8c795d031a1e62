// Colours shared by the canvas and the DOM panels, per theme.
// Key colours are derived from the key's entity number with the golden angle, so a key keeps its
// colour for the whole session and neighbours (user-3, user-4) look clearly different.

export const THEMES = {
  light: {
    bg: "#f7f5f0", panel: "#ffffff", ink: "#1d232b", muted: "#5d6773", faint: "#c9cdd3",
    shelf: "#e6e1d6", shelfEdge: "#b9b0a0", noKey: "#9aa1aa", lost: "#c62828", dup: "#e07b00",
    crashed: "#c62828", ok: "#2e7d32", line: "#8a93a0", txnOpen: "#6a4fc4", txnAbort: "#c62828",
    keyL: 55, keyS: 62,
  },
  dark: {
    bg: "#12161c", panel: "#1b2129", ink: "#e8ecf1", muted: "#9aa5b1", faint: "#3a434e",
    shelf: "#252d37", shelfEdge: "#4a5563", noKey: "#7d8692", lost: "#ff6b6b", dup: "#ffa94d",
    crashed: "#ff6b6b", ok: "#69db7c", line: "#7d8896", txnOpen: "#b197fc", txnAbort: "#ff6b6b",
    keyL: 62, keyS: 58,
  },
};

/** Consumer slot colours (red is kept for crashes, grey for no key / no owner). */
const MEMBER_HUES = [210, 150, 275, 35, 185, 320, 95, 250, 15, 60];

export function memberColor(m, theme) {
  const h = MEMBER_HUES[m % MEMBER_HUES.length];
  const l = theme === THEMES.dark ? 64 : 45;
  return `hsl(${h} 60% ${l}%)`;
}

/** Group colours for committed markers (several groups on one topic). */
const GROUP_HUES = [200, 330, 45, 130];
export function groupColor(g, theme) {
  const l = theme === THEMES.dark ? 66 : 42;
  return `hsl(${GROUP_HUES[g % GROUP_HUES.length]} 70% ${l}%)`;
}

export function keyColor(n, theme) {
  if (n === null || n === undefined) return theme.noKey;
  const h = Math.round((n * 137.508) % 360);
  return `hsl(${h} ${theme.keyS}% ${theme.keyL}%)`;
}

/** The hue (0..359) of key n's colour: keyColor(n) is keyHueColors(theme)[keyHue(n)]. */
export function keyHue(n) {
  return Math.round((n * 137.508) % 360) % 360;
}

/** The 360 key colours of a theme, by hue (the stage batches its fills by colour). */
export function keyHueColors(theme) {
  const out = [];
  for (let h = 0; h < 360; h++) out.push(`hsl(${h} ${theme.keyS}% ${theme.keyL}%)`);
  return out;
}

export const STATE_COLORS = {
  Joining: "#8d6e63", Idle: "#90a4ae", Fetching: "#1e88e5", Processing: "#43a047",
  Committing: "#8e24aa", Paused: "#f9a825", Crashed: "#e53935", Left: "#757575",
};
