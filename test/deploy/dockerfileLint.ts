/**
 * Lints a Dockerfile where hadolint cannot be installed (it is in neither Debian nor npm here):
 * the Docker language server's own validator (`dockerfile-utils`, every check at error level)
 * for syntax and instruction rules, plus the hadolint rules this image depends on, by their
 * hadolint codes. Where hadolint is installed, test/deploy/image.test.ts runs it too.
 */
import { validate, ValidationSeverity } from 'dockerfile-utils';

export interface Finding {
  line: number;
  rule: string;
  message: string;
}

const E = ValidationSeverity.ERROR;

/** Instructions with their line numbers, continuation lines joined, comments dropped. */
function instructions(src: string): { line: number; op: string; args: string }[] {
  const out: { line: number; op: string; args: string }[] = [];
  const lines = src.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!;
    if (/^\s*(#|$)/.test(text)) continue;
    while (text.endsWith('\\') && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      text = `${text.slice(0, -1)} ${lines[i]!.trim()}`;
    }
    const m = /^\s*(\S+)\s*(.*)$/.exec(text);
    if (m) out.push({ line: start + 1, op: m[1]!.toUpperCase(), args: m[2]!.trim() });
  }
  return out;
}

export function lintDockerfile(src: string): Finding[] {
  const findings: Finding[] = validate(src, {
    deprecatedMaintainer: E,
    directiveCasing: E,
    emptyContinuationLine: E,
    instructionCasing: E,
    instructionCmdMultiple: E,
    instructionEntrypointMultiple: E,
    instructionHealthcheckMultiple: E,
    instructionJSONInSingleQuotes: E,
    instructionWorkdirRelative: E,
  }).map((d) => ({ line: d.range.start.line + 1, rule: `dockerfile-utils ${String(d.code ?? '')}`.trim(), message: typeof d.message === 'string' ? d.message : d.message.value }));

  /** stage alias → the USER it ends with (a stage built FROM another inherits its USER) */
  const stages = new Map<string, string | undefined>();
  let current: string | undefined;
  let lastUser: string | undefined;
  for (const { line, op, args } of instructions(src)) {
    const add = (rule: string, message: string) => findings.push({ line, rule, message });
    if (op === 'FROM') {
      const [image = '', as, alias] = args.split(/\s+/);
      const fromStage = stages.has(image);
      lastUser = fromStage ? stages.get(image) : undefined;
      current = as?.toUpperCase() === 'AS' && alias ? alias : undefined;
      if (current) stages.set(current, lastUser);
      if (!fromStage) {
        if (!/@sha256:[0-9a-f]{64}$/.test(image) && !/:[^/]+$/.test(image)) add('DL3006', `always tag the image explicitly: ${image}`);
        if (/:latest(@|$)/.test(image)) add('DL3007', `do not use the latest tag: ${image}`);
      }
    }
    if (op === 'USER') {
      lastUser = args;
      if (current) stages.set(current, args);
    }
    if (op === 'ADD') add('DL3020', 'use COPY instead of ADD for files and folders');
    if ((op === 'CMD' || op === 'ENTRYPOINT') && !args.startsWith('[')) add('DL3025', `use the JSON form for ${op} (signals reach the process)`);
    if (op === 'WORKDIR' && !args.startsWith('/') && !args.startsWith('$')) add('DL3000', 'use an absolute WORKDIR');
    if (op === 'RUN') {
      if (/(^|[;&|]\s*)cd\s/.test(args)) add('DL3003', 'use WORKDIR to switch directories');
      if (/\bsudo\b/.test(args)) add('DL3004', 'do not use sudo');
      if (/\bapt-get\s+(-\S+\s+)*install\b/.test(args) && !/--no-install-recommends/.test(args)) add('DL3015', 'apt-get install without --no-install-recommends');
      if (/\bapt-get\s+(-\S+\s+)*install\b/.test(args) && !/-y\b|--yes\b|--assume-yes\b/.test(args)) add('DL3014', 'apt-get install without -y');
      if (/\bnpm\s+install\b/.test(args)) add('DL3016', 'use npm ci (the lockfile pins every version)');
      if (/\bcurl\b|\bwget\b/.test(args)) add('DL4001', 'the build downloads with curl/wget: bring files in with COPY');
    }
  }
  if (lastUser === undefined || /^(root|0)(:|$)/.test(lastUser)) findings.push({ line: 0, rule: 'DL3002', message: 'the last stage must not run as root' });
  return findings;
}
