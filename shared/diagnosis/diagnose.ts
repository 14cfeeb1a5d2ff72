/**
 * Events + step terminations + terminal conditions → ranked causes and one headline. Pure: the
 * rules are the tables in eventRules.ts and runRules.ts; this file applies them, merges repeats
 * and ranks.
 *
 * - A *terminal* cause ends a task (a step OOMKilled, a timeout, a cancellation, an eviction);
 *   several rules can see the same end (the step's termination, the TaskRun's reason, Tekton's
 *   `Failed` Event), so one per task and kind is kept, the strongest.
 * - Other causes led up to it (FailedScheduling, image pulls, mounts, probes, restarts); Events
 *   of one rule, task and wording are merged, their counts summed ("3× FailedScheduling: …").
 * - Nothing from a task that succeeded is a cause: its Warnings did not make the run fail.
 */
import { EVENT_RULES } from './eventRules.js';
import { failedSummary, STATUS_RULES, STEP_RULES } from './runRules.js';
import type { Cause, CauseKind, Diagnosis, DiagnosisInput, DiagnosisRun } from './types.js';

/**
 * Kinds that explain what came before the end, for the headline's "after …". Restarts in
 * BackOff are not among them: they follow the failure the headline already names.
 */
const PRECURSORS: ReadonlySet<CauseKind> = new Set(['scheduling', 'image-pull', 'mount', 'sandbox', 'probe', 'eviction']);

interface Found extends Cause {
  terminal: boolean;
  first: string | null;
  /** A terminal condition's cause that a task's Events tell better (StatusRule.eventsTellMore). */
  weak?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function runCauses(r: DiagnosisRun): Found[] {
  if (r.status === 'SUCCESS' || !r.finished) return [];
  const base = { taskName: r.kind === 'PipelineRun' ? null : r.taskName, count: 1, at: r.completionTime, first: r.completionTime, detail: r.message, terminal: true };
  const out: Found[] = [];
  for (const s of r.steps) {
    const rule = STEP_RULES.find((x) => x.match(s));
    if (rule) out.push({ ...base, kind: rule.kind, score: rule.score, summary: rule.summary(s), reason: s.reason ?? `exit ${s.exitCode}` });
  }
  const status = STATUS_RULES.find((x) => r.reason !== null && x.reasons.includes(r.reason));
  if (status) out.push({ ...base, kind: status.kind, score: status.score, summary: status.summary(r), reason: r.reason!, weak: status.eventsTellMore === true });
  // A TaskRun that failed for a reason no rule knows still says so; a PipelineRun's plain
  // "Failed" is explained by its TaskRuns (added at the end if nothing else is found).
  if (out.length === 0 && r.kind === 'TaskRun') {
    out.push({ ...base, kind: 'failed', score: 10, summary: failedSummary(r), reason: r.reason ?? 'Failed' });
  }
  return out;
}

function eventCauses(input: DiagnosisInput, succeeded: ReadonlySet<string>): Found[] {
  const groups = new Map<string, Found>();
  for (const e of input.events) {
    if (e.taskName !== null && succeeded.has(e.taskName)) continue;
    const rule = EVENT_RULES.find((x) => x.match(e));
    if (!rule) continue;
    const summary = rule.summary(e);
    const key = `${rule.id}\u0000${e.taskName ?? ''}\u0000${rule.key ? rule.key(e) : summary}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, {
        kind: rule.kind,
        score: rule.score,
        taskName: e.taskName,
        summary,
        reason: e.reason,
        count: e.count,
        at: e.lastSeen,
        first: e.firstSeen,
        detail: e.note || null,
        terminal: rule.terminal === true,
      });
      continue;
    }
    g.count += e.count;
    if (summary.length > g.summary.length) g.summary = summary;
    if (Date.parse(e.lastSeen) >= Date.parse(g.at ?? '')) {
      g.at = e.lastSeen;
      g.detail = e.note || g.detail;
    }
  }
  return [...groups.values()].map((g) => (g.count > 1 && !g.terminal ? { ...g, summary: `${g.count}× ${g.summary}` } : g));
}

/** One terminal cause per task and kind: the strongest (the first found on a tie). */
function dedupe(found: Found[]): Found[] {
  const best = new Map<string, Found>();
  const out: Found[] = [];
  for (const f of found) {
    if (!f.terminal) {
      out.push(f);
      continue;
    }
    const key = `${f.taskName ?? ''}\u0000${f.kind}`;
    const had = best.get(key);
    if (!had || f.score > had.score) best.set(key, f);
  }
  return [...out, ...best.values()];
}

const time = (t: string | null) => (t ? Date.parse(t) || 0 : Number.MAX_SAFE_INTEGER);

export function rank(causes: Found[]): Found[] {
  return [...causes].sort((a, b) => b.score - a.score || time(a.first) - time(b.first) || a.summary.localeCompare(b.summary));
}

function headline(input: DiagnosisInput, ranked: Found[]): string {
  const { run } = input;
  const primary = ranked[0];
  if (!primary) {
    const warnings = input.events.filter((e) => e.type === 'Warning').length;
    const w = warnings > 0 ? ` (${plural(warnings, 'Warning')})` : '';
    if (run.status === 'SUCCESS') return `${run.kind} ${run.name} succeeded${w}`;
    if (!run.finished) return `${run.kind} ${run.name} has not finished, or its end was not recorded${w}`;
    return `${run.kind} ${run.name} ${failedSummary(run)}`;
  }
  const where = primary.taskName ?? run.name;
  const before = ranked.find((c) => c !== primary && c.taskName === primary.taskName && PRECURSORS.has(c.kind) && c.kind !== primary.kind && !c.terminal);
  return `${where}: ${primary.summary}${before ? ` after ${before.summary}` : ''}`;
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const runs = input.run.kind === 'PipelineRun' ? [input.run, ...input.taskRuns] : [input.run];
  if (input.run.status === 'SUCCESS') return { headline: headline(input, []), causes: [] };
  const succeeded = new Set(input.taskRuns.filter((t) => t.status === 'SUCCESS' && t.taskName !== null).map((t) => t.taskName!));
  const fromEvents = eventCauses(input, succeeded);
  const told = new Set(fromEvents.map((c) => `${c.taskName ?? ''}\u0000${c.kind}`));
  const fromRuns = runs.flatMap(runCauses).filter((c) => !(c.weak && told.has(`${c.taskName ?? ''}\u0000${c.kind}`)));
  let found = dedupe([...fromRuns, ...fromEvents]);
  if (found.length === 0 && input.run.finished && input.run.kind === 'PipelineRun') {
    found = [{ kind: 'failed', score: 10, taskName: null, summary: failedSummary(input.run), reason: input.run.reason ?? 'Failed', count: 1, at: input.run.completionTime, first: input.run.completionTime, detail: input.run.message, terminal: true }];
  }
  const ranked = rank(found);
  return {
    headline: headline(input, ranked),
    causes: ranked.map(({ terminal: _t, first: _f, weak: _w, ...c }) => c),
  };
}
