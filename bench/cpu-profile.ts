/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and summarises where the CPU went, as text:
 * self and total time per function, self time per group of Pulse's ingest path (JSON parsing,
 * validation, enrichment, Kafka client, …), and a pruned top-down call tree (a text flame graph).
 * Used by bench/ingest-profile.ts; `node bench/cpu-profile.ts <file.cpuprofile>` prints one.
 */
import { readFile } from 'node:fs/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds, on the profiler's own clock. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  /** Microseconds spent in the function itself. */
  self: number;
  /** Microseconds with the function anywhere on the stack. */
  total: number;
}

export interface ProfileSummary {
  /** Microseconds sampled, idle excluded. */
  busy: number;
  functions: FunctionTime[];
  groups: { group: string; self: number }[];
  /** Lines of the pruned call tree, `percent  name`, indented by depth. */
  tree: string[];
}

/** Where a frame belongs, by its script and name: the order matters (first match wins). */
const groupRules: [string, (frame: CallFrame) => boolean][] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['V8 / native (program)', (f) => f.functionName === '(program)'],
  [
    'validation (ajv, validate-event.ts)',
    (f) => /\/ajv|validate-event\.ts|ajv-formats/.test(f.url) || (f.url === '' && /^validate\d+$/.test(f.functionName)),
  ],
  ['User-Agent (ua-parser-js, isbot, user-agent.ts)', (f) => /ua-parser-js|\/isbot\/|user-agent\.ts|bot-traffic\.ts/.test(f.url)],
  ['enrichment (enrich-event.ts, URL, randomUUID)', (f) => /enrich-event\.ts|contract\/ip\.ts/.test(f.url)],
  ['plan batch (plan-batch.ts, JSON.stringify per event)', (f) => /plan-batch\.ts|contract\/outcome\.ts/.test(f.url)],
  ['collect route, site rate limit, shields', (f) => /collect-routes\.ts|site-rate-limit\.ts|shields\.ts|tracker-routes\.ts/.test(f.url)],
  ['request body parsing (JSON.parse, secure-json-parse)', (f) => /secure-json-parse|contentTypeParser/.test(f.url)],
  ['response serialisation (fast-json-stringify)', (f) => /fast-json-stringify|lib\/reply\.js|serializ/.test(f.url)],
  ['Kafka adapter (kafka-bus.ts, produce-coalescer.ts, partitioner)', (f) => /src\/bus\//.test(f.url)],
  ['Kafka client (@platformatic/kafka)', (f) => /@platformatic\/kafka|\/mnemonist|\/scule|fastq/.test(f.url)],
  ['metrics (prom-client)', (f) => /prom-client|ingest-metrics\.ts/.test(f.url)],
  [
    'Fastify hooks (security headers, CORS, rate limit, access)',
    (f) => /security-headers\.ts|@fastify\/cors|@fastify\/rate-limit|access-hook\.ts|api-contract\.ts|error-handler\.ts/.test(f.url),
  ],
  [
    'Fastify core (routing, hooks, reply)',
    (f) => /node_modules\/(fastify|find-my-way|avvio|light-my-request|toad-cache|process-warning|abstract-logging|@fastify\/)/.test(f.url),
  ],
  [
    'Node.js HTTP and sockets',
    (f) => /node:_http|node:http|node:net|node:internal\/(streams|stream_base|http|net)|node:events|node:stream/.test(f.url),
  ],
  ['Node.js other internals', (f) => f.url.startsWith('node:')],
  ['logger (pino)', (f) => /\/pino|sonic-boom/.test(f.url)],
  ['other', () => true],
];

export const groupOf = (frame: CallFrame): string => (groupRules.find(([, test]) => test(frame)) as [string, unknown])[0];

const shortUrl = (url: string): string => {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const src = url.search(/\/(src|bench)\//);
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
};

const nameOf = (frame: CallFrame): string =>
  frame.url === ''
    ? frame.functionName || '(anonymous)'
    : `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;

export interface SummaryOptions {
  treeMinPercent?: number;
  treeMaxDepth?: number;
  /**
   * Only the samples of a window ending `endsBeforeEndUs` before the profile's end and lasting
   * `lengthUs` (the measured load, without start-up and warm-up); all samples when absent.
   */
  window?: { endsBeforeEndUs: number; lengthUs: number } | undefined;
}

export function summarise(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfOf = new Map<number, number>();
  const windowEnd = options.window === undefined ? Infinity : profile.endTime - options.window.endsBeforeEndUs;
  const windowStart = options.window === undefined ? -Infinity : windowEnd - options.window.lengthUs;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= windowStart && at <= windowEnd) selfOf.set(id, (selfOf.get(id) ?? 0) + delta);
  });

  const idle = [...selfOf].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, t]) => sum + t, 0);
  const all = [...selfOf.values()].reduce((sum, t) => sum + t, 0);
  const busy = all - idle;

  // Builtins (no script: JSON.stringify, Buffer copies, URL parsing) and Node's own internals count for
  // the code that called them, so a group says what Pulse's step costs with everything it calls.
  const inherits = new Set(['other', 'Node.js other internals', 'V8 / native (program)']);
  const groupMemo = new Map<number, string>();
  const groupOfNode = (id: number): string => {
    const known = groupMemo.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame;
    let group = frame === undefined ? 'other' : groupOf(frame);
    const up = parent.get(id);
    if (
      inherits.has(group) &&
      frame?.functionName !== '(program)' &&
      up !== undefined &&
      byId.get(up)?.callFrame.functionName !== '(root)'
    ) {
      const inherited = groupOfNode(up);
      if (!inherits.has(inherited)) group = inherited;
    }
    groupMemo.set(id, group);
    return group;
  };
  const functions = new Map<string, FunctionTime>();
  const groups = new Map<string, number>();
  const totalOfNode = new Map<number, number>();
  for (const [id, time] of selfOf) {
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    const group = groupOfNode(id);
    groups.set(group, (groups.get(group) ?? 0) + time);
    const leaf = nameOf(node.callFrame);
    const entry = functions.get(leaf) ?? { name: leaf, self: 0, total: 0 };
    entry.self += time;
    functions.set(leaf, entry);
    // Each function on the stack once (recursion counted once), each node of the tree its inclusive time.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      totalOfNode.set(at, (totalOfNode.get(at) ?? 0) + time);
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined) continue;
      const name = nameOf(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      const f = functions.get(name) ?? { name, self: 0, total: 0 };
      f.total += time;
      functions.set(name, f);
    }
  }

  const minPercent = options.treeMinPercent ?? 2;
  const maxDepth = options.treeMaxDepth ?? 40;
  const tree: string[] = [];
  const pct = (t: number): string => `${((t / busy) * 100).toFixed(1).padStart(5)}%`;
  const walk = (id: number, depth: number): void => {
    const node = byId.get(id);
    if (node === undefined) return;
    const children = (node.children ?? [])
      .map((child) => ({ child, total: totalOfNode.get(child) ?? 0 }))
      .filter((c) => (c.total / busy) * 100 >= minPercent)
      .sort((a, b) => b.total - a.total);
    // A chain of single callees is printed on one line, so the tree stays readable.
    const chain = [node];
    let next = children;
    while (next.length === 1 && (selfOf.get(chain.at(-1)?.id ?? -1) ?? 0) / busy < minPercent / 100) {
      const only = byId.get((next[0] as { child: number }).child);
      if (only === undefined) break;
      chain.push(only);
      next = (only.children ?? [])
        .map((child) => ({ child, total: totalOfNode.get(child) ?? 0 }))
        .filter((c) => (c.total / busy) * 100 >= minPercent)
        .sort((a, b) => b.total - a.total);
    }
    const last = chain.at(-1) as ProfileNode;
    const self = selfOf.get(last.id) ?? 0;
    const label =
      chain.length > 3
        ? `${nameOf(chain[0]!.callFrame)} → … → ${nameOf(last.callFrame)}`
        : chain.map((n) => nameOf(n.callFrame)).join(' → ');
    tree.push(`${pct(totalOfNode.get(id) ?? 0)} ${'  '.repeat(depth)}${label}${self / busy >= 0.01 ? `  [self ${pct(self).trim()}]` : ''}`);
    if (depth < maxDepth) for (const { child } of next) walk(child, depth + 1);
  };
  const root = profile.nodes.find((node) => !parent.has(node.id));
  if (root !== undefined) {
    for (const child of root.children ?? []) {
      const node = byId.get(child);
      if (node?.callFrame.functionName === '(idle)') continue;
      if (((totalOfNode.get(child) ?? 0) / busy) * 100 >= minPercent) walk(child, 0);
    }
  }

  return {
    busy,
    functions: [...functions.values()],
    groups: [...groups].map(([group, self]) => ({ group, self })).sort((a, b) => b.self - a.self),
    tree,
  };
}

export async function readProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
}

/** The summary as Markdown: groups, top self, top total, and the tree. */
export function profileMarkdown(summary: ProfileSummary, top = 25): string {
  const pct = (t: number): string => `${((t / summary.busy) * 100).toFixed(1)}%`;
  const rows = (list: FunctionTime[], key: 'self' | 'total') =>
    list
      .slice()
      .sort((a, b) => b[key] - a[key])
      .slice(0, top)
      .map((f) => `| ${pct(f[key])} | ${pct(key === 'self' ? f.total : f.self)} | \`${f.name}\` |`)
      .join('\n');
  return `CPU sampled (idle excluded): ${(summary.busy / 1e6).toFixed(2)} s

Self time by group:

| group | self |
| --- | ---: |
${summary.groups.map((g) => `| ${g.group} | ${pct(g.self)} |`).join('\n')}

Top functions by self time:

| self | total | function |
| ---: | ---: | --- |
${rows(summary.functions, 'self')}

Top functions by total time (on the stack):

| total | self | function |
| ---: | ---: | --- |
${rows(
  summary.functions.filter((f) => !f.name.startsWith('(')),
  'total',
)}

Call tree (text flame graph: inclusive %, callees indented, ≥ 2%, single-callee chains on one line):

\`\`\`
${summary.tree.join('\n')}
\`\`\`
`;
}

if (import.meta.filename === process.argv[1]) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: node bench/cpu-profile.ts <file.cpuprofile>');
  console.log(profileMarkdown(summarise(await readProfile(file))));
}
