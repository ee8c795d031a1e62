// What each rebalance changed: which partitions moved to another member, which stayed, which a
// cooperative round one withheld. Pure bookkeeping over the core's events (no DOM, no canvas), so
// it is rebuilt exactly by a replay: the view calls reset() on the controller's "reset" and
// observe() for every event in order.
//
// "Moved" is judged against the owners *before the rebalance episode began*, not against the
// previous generation: a cooperative rebalance is two generations (round one revokes what moves,
// round two assigns it, KIP-429), and comparing round two with round one would call every moved
// partition "new". A CooperativeFollowUp rebalance therefore keeps the episode's baseline.

/** @typedef {"moved"|"stayed"|"withheld"|"new"} MarkKind */

const COOPERATIVE = new Set(["cooperative-sticky"]);

const REASON_WORDS = {
  MemberJoined: "a member joined",
  MemberLeft: "a member left",
  SessionTimeout: "a session timed out",
  PollTimeout: "max.poll.interval.ms exceeded",
  CooperativeFollowUp: "cooperative round two",
  MetadataChanged: "the topic gained partitions",
  ProtocolChanged: "the strategy changed",
};

const tpKey = (t, p) => `${t}:${p}`;

function freshGroup() {
  return {
    owners: new Map(), // "t:p" → member slot, as of the latest assignment (withheld ones absent)
    baseline: null, // owners when the current episode started
    episode: null, // { reason, member, at_ms, revokedBefore: [{member, tps}], steps: [] }
    summary: null, // the latest assignment's verdict, see _assigned()
    marks: new Map(), // "t:p" → { kind, from, to, seq }
    forming: false, // waiting out group.initial.rebalance.delay.ms
    seq: 0,
  };
}

export class RebalanceTracker {
  /** @param {object} scenario  the full scenario (with defaults), for names and the initial delay */
  constructor(scenario) {
    this.reset(scenario);
  }

  reset(scenario) {
    this.scenario = scenario ?? {};
    this.groups = (this.scenario.groups ?? []).map(freshGroup);
    this.version = 0; // bumps on every change, so views can skip redrawing
    this.grewAt = undefined; // when a topic last gained partitions
  }

  /**
   * After a backward seek restored a checkpoint: the owners as of now (from the frame arrays,
   * see frame.js) become the baseline, so the next rebalance is judged against them.
   */
  seed(frame) {
    if (!frame) return;
    const K = frame.K;
    frame.layout.groups.forEach((_, gi) => {
      const g = this._g(gi);
      for (const i of frame.subscribed[gi]) {
        const o = frame.gp(gi, i, K.GP_OWNER);
        if (o >= 0) g.owners.set(tpKey(frame.topicOfIdx[i], frame.partOfIdx[i]), o);
      }
    });
    this.version++;
  }

  _g(i) {
    while (this.groups.length <= i) this.groups.push(freshGroup());
    return this.groups[i];
  }

  /** The latest verdict of group `g` (null before its first assignment). */
  summary(g) {
    return this.groups[g]?.summary ?? null;
  }

  /** Per partition of group `g`, how the latest rebalance treated it: Map "t:p" → mark. */
  marks(g) {
    return this.groups[g]?.marks ?? new Map();
  }

  /** The steps of the current (or last) rebalance episode of group `g`, in plain words. */
  steps(g) {
    return this.groups[g]?.episode?.steps ?? [];
  }

  /** Whether group `g` is waiting out group.initial.rebalance.delay.ms before its first assignment. */
  forming(g) {
    return !!this.groups[g]?.forming;
  }

  initialDelayMs(g) {
    return this.scenario.groups?.[g]?.["group.initial.rebalance.delay.ms"] ?? 3000;
  }

  observe(ev) {
    switch (ev.type) {
      case "PartitionsAdded": this.grewAt = ev.at_ms; return;
      case "RebalanceStarted": this._started(ev); break;
      case "PartitionsRevoked": this._revoked(ev); break;
      case "AssignmentComputed": this._assigned(ev); break;
      default: return;
    }
    this.version++;
  }

  _started(ev) {
    const g = this._g(ev.group);
    if (ev.reason === "CooperativeFollowUp" && g.episode) {
      g.episode.followUp = true; // its assignment is round two; the baseline stays round one's
      return;
    }
    g.baseline = new Map(g.owners);
    // A member that sees new partitions in its metadata simply rejoins, which the coordinator
    // reports as a join; name the real cause when the topic grew since the last assignment.
    const reason = ev.reason === "MemberJoined" && g.owners.size && this.grewAt !== undefined && this.grewAt >= (g.summary?.at_ms ?? 0) ? "MetadataChanged" : ev.reason;
    // Revocations just before RebalanceStarted (an eager member leaving or switching strategy
    // revokes first, then rejoins) belong to this episode.
    const early = g.pendingRevokes ?? [];
    g.pendingRevokes = [];
    const who = ev.member !== null && ev.member !== undefined ? ` (consumer-${ev.member + 1})` : "";
    g.episode = { reason, at_ms: ev.at_ms, revokedBefore: early, steps: [{ kind: "start", text: `rebalance: ${REASON_WORDS[reason] ?? reason}${reason === ev.reason ? who : ""}` }] };
    g.marks = new Map(); // the previous verdict no longer describes what is about to happen
    // An empty group waits group.initial.rebalance.delay.ms before the first assignment (Kafka's
    // InitialDelayedJoin), which is why nothing happens for the first seconds.
    g.forming = g.owners.size === 0 && ev.reason === "MemberJoined" && this.initialDelayMs(ev.group) > 0;
    if (g.forming) g.episode.steps.push({ kind: "wait", text: `waiting ${fmtS(this.initialDelayMs(ev.group))} for members to gather (group.initial.rebalance.delay.ms)` });
  }

  _revoked(ev) {
    const g = this._g(ev.group);
    if (!ev.partitions.length) return;
    const ep = g.episode;
    // After the assignment: a cooperative round one giving up what moves.
    // (Its step was written from the assignment's `withheld` list already.)
    if (ep?.assigned && ep.cooperative) return;
    // Before the assignment (or before the episode's RebalanceStarted): eager revocation.
    const rec = { member: ev.member, tps: ev.partitions };
    if (ep && !ep.assigned) ep.revokedBefore.push(rec);
    else (g.pendingRevokes ??= []).push(rec);
  }

  _assigned(ev) {
    const g = this._g(ev.group);
    const base = g.baseline ?? g.owners;
    const next = new Map();
    for (const [m, tps] of ev.assignment) for (const [t, p] of tps) next.set(tpKey(t, p), m);
    const withheld = new Set(ev.withheld.map(([t, p]) => tpKey(t, p)));
    const cooperative = COOPERATIVE.has(ev.strategy);
    const ep = g.episode ?? { reason: null, at_ms: ev.at_ms, revokedBefore: [], steps: [] };
    g.episode = ep;
    const followUp = !!(ep.assigned && ep.followUp);
    const round = cooperative ? (followUp ? 2 : 1) : null;

    const marks = new Map();
    const moved = [], stayed = [], held = [], fresh = [];
    const keys = new Set([...next.keys(), ...withheld]);
    for (const k of keys) {
      const from = base.get(k);
      const to = next.get(k);
      const [t, p] = k.split(":").map(Number);
      let kind;
      if (withheld.has(k)) { kind = "withheld"; held.push({ t, p, from }); } else if (from === undefined) { kind = "new"; fresh.push({ t, p, to }); } else if (from === to) { kind = "stayed"; stayed.push({ t, p, to }); } else { kind = "moved"; moved.push({ t, p, from, to }); }
      marks.set(k, { kind, from: from ?? null, to: to ?? null, seq: ++g.seq, t, p });
    }
    const byP = (a, b) => a.t - b.t || a.p - b.p;
    moved.sort(byP); stayed.sort(byP); held.sort(byP); fresh.sort(byP);

    // The timeline: eager revokes everything first; cooperative round one revokes only what moves.
    const revokedEarly = ep.revokedBefore.reduce((a, r) => a + r.tps.length, 0);
    if (!ep.assigned && revokedEarly) ep.steps.push({ kind: "revokeAll", text: `all revoked: ${revokedEarly} partition${revokedEarly === 1 ? "" : "s"} stopped (eager)` });
    const names = (list, arrow) => list.map((x) => `P${x.p}${arrow(x)}`).join(", ");
    if (cooperative && round === 1 && held.length) {
      ep.steps.push({ kind: "withhold", text: `round 1: revoke ${names(held, (x) => (x.from !== undefined ? ` from consumer-${x.from + 1}` : ""))}` });
    } else if (cooperative && round === 1 && !fresh.length) {
      ep.steps.push({ kind: "round1", text: "round 1: nothing to revoke — every live member kept its partitions and kept working" });
    }
    const assignedNow = round === 2 ? moved.concat(fresh.map((x) => ({ ...x, from: undefined }))) : moved;
    if (assignedNow.length) ep.steps.push({ kind: "assign", text: `${round === 2 ? "round 2: " : ""}assign ${names(assignedNow, (x) => ` to consumer-${x.to + 1}`)}` });
    if (fresh.length && round !== 2) ep.steps.push({ kind: "assign", text: `${fresh.length} partition${fresh.length === 1 ? "" : "s"} assigned for the first time` });

    ep.assigned = true;
    ep.cooperative = cooperative;
    g.forming = false;
    g.owners = next;
    g.marks = marks;
    g.summary = {
      group: ev.group,
      generation: ev.generation,
      strategy: ev.strategy,
      cooperative,
      round,
      reason: ep.reason,
      at_ms: ev.at_ms,
      moved: moved.length,
      stayed: stayed.length,
      withheld: held.length,
      fresh: fresh.length,
      revokedEarly,
      movedList: moved,
      withheldList: held,
    };
  }

  /** "generation 4 (cooperative-sticky): 1 moved, 5 stayed, 1 withheld" — the banner's words. */
  banner(g) {
    const s = this.summary(g);
    if (!s) return this.forming(g) ? `forming: the group waits ${fmtS(this.initialDelayMs(g))} for its members to gather before sharing out the partitions (group.initial.rebalance.delay.ms)` : "no assignment yet";
    const parts = [];
    if (s.fresh && !s.moved && !s.stayed) parts.push(`${s.fresh} assigned (group formed)`);
    else {
      parts.push(`${s.moved} moved`, `${s.stayed} stayed`);
      if (s.fresh) parts.push(`${s.fresh} new`);
    }
    if (s.withheld) parts.push(`${s.withheld} withheld`);
    return `generation ${s.generation} (${s.strategy}): ${parts.join(", ")}`;
  }
}

function fmtS(ms) {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
