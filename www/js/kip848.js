// What the stage says about a group that speaks the consumer protocol (KIP-848, group.protocol=
// consumer), in its own words: there is no JoinGroup/SyncGroup and no generation; the coordinator
// bumps a *group epoch* on every membership change, computes a *target assignment* stamped with
// that epoch, and each member *reconciles* towards it on its own — it first releases what it must
// give up (unrevoked), then takes what is free, and waits for partitions a previous owner still
// holds (unreleased). Everything here reads the frame of now (frame.js: KG_, KM_, KP_ rows).

/** A mark per reconciliation state: a glyph drawn on the stage and in the legend. */
export const RECONCILE_MARKS = {
  stable: { glyph: "●", word: "stable", color: (th) => th.ok },
  unrevoked: { glyph: "▼", word: "releasing", color: (th) => th.dup },
  unreleased: { glyph: "◆", word: "waiting", color: (th) => th.txnOpen },
};
/** Suffix of a partition its owner must release first ("P2⇣"). */
export const RELEASING_MARK = "⇣";
/** Brackets around a partition of the target another member still holds ("(P4)"). */
export const waitingPart = (p) => `(P${p})`;

/** The group's state word: "reconciling…" while any known member is not at its target. */
export function groupWord(f, gi) {
  const n = f.layout.groups[gi].members.length;
  for (let m = 0; m < n; m++) {
    const st = f.reconcileState(gi, m);
    if (st && st !== "stable") return "reconciling…";
  }
  return "stable";
}

/** The header's second line: the protocol and both epochs, with a shorter form for narrow boxes. */
export function headerLines(f, gi) {
  const K = f.K;
  const ge = f.kg(gi, K.KG_GROUP_EPOCH), te = f.kg(gi, K.KG_TARGET_EPOCH);
  return [`consumer protocol (KIP-848) · group epoch ${ge} · target epoch ${te}`, `KIP-848 · epoch ${ge} · target ${te}`];
}

/**
 * A member's second line: its reconcile mark, its member epoch against the target epoch, and its
 * partitions — owned, releasing ("P2⇣") and waiting for their previous owner ("(P4)").
 * Returns {mark, text} or null when the coordinator does not know the member (crashed, left).
 */
export function memberLine(f, gi, m) {
  const K = f.K;
  const st = f.reconcileState(gi, m);
  if (!st) return null;
  const epoch = f.km(gi, m, K.KM_EPOCH);
  const target = f.kg(gi, K.KG_TARGET_EPOCH);
  const parts = [];
  for (const i of f.subscribed[gi]) {
    const p = f.partOfIdx[i];
    const owner = f.gp(gi, i, K.GP_OWNER);
    const revoking = f.kp(gi, i, K.KP_REVOKING);
    if (revoking === m) parts.push(`P${p}${RELEASING_MARK}`);
    else if (owner === m) parts.push(`P${p}`);
    else if (f.kp(gi, i, K.KP_TARGET) === m) parts.push(waitingPart(p));
  }
  const ep = epoch >= 0 && epoch < target ? `epoch ${epoch}→${target}` : `epoch ${epoch}`;
  return { mark: RECONCILE_MARKS[st], state: st, text: `${ep} · ${parts.join(" ") || "no partitions"}` };
}

/**
 * The tag a shelf row gets for a KIP-848 group, or null: "releasing" while its owner must give it
 * up, "waiting for previous owner" while its new owner waits for it, "→ c3 at its heartbeat"
 * once it is free and its new owner has not heard yet (the coordinator does not push).
 */
export function rowTag(f, gi, i) {
  const K = f.K;
  const target = f.kp(gi, i, K.KP_TARGET);
  const revoking = f.kp(gi, i, K.KP_REVOKING);
  const owner = f.gp(gi, i, K.GP_OWNER);
  if (revoking >= 0) return { kind: "releasing", text: "releasing", from: revoking, to: target };
  if (target >= 0 && owner >= 0 && owner !== target) return { kind: "waiting", text: "waiting for previous owner", from: owner, to: target };
  if (target >= 0 && owner < 0) return { kind: "free", text: `→ c${target + 1} at its heartbeat`, from: -1, to: target };
  return null;
}
