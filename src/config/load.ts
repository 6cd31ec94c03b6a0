import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatPath, type ConfigProblem } from './errors.js';
import { interpolateEnv } from './interpolate.js';
import { configSchema, type Config } from './schema.js';

export interface LoadedConfig {
  file: string;
  config: Config;
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ field: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  return { file, config: parseConfig(text, file, env) };
}

/** Parses and validates config text; throws ConfigError listing every problem with its line. */
export function parseConfig(text: string, file = 'outpost.yaml', env: NodeJS.ProcessEnv = process.env): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ field: '', line: lines.linePos(e.pos[0]).line, message: `YAML syntax: ${e.message.split('\n')[0]}` })),
    );
  }
  const problems: ConfigProblem[] = [];
  const raw = interpolateEnv(doc.toJS() ?? {}, env, problems);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    // A field whose environment variable is missing already has its problem; don't add a second, confusing one.
    const reported = new Set(problems.map((p) => p.field));
    problems.push(...result.error.issues.map(describeIssue).filter((p) => !reported.has(p.field)));
  }
  if (problems.length > 0) {
    throw new ConfigError(file, problems.map((p) => ({ ...p, line: p.line ?? lineOf(doc, lines, p.field) })));
  }
  return result.data!;
}

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem {
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = `missing; expected ${issue.expected}`;
  const path = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? [...issue.path, issue.keys[0]!] : issue.path;
  return { field: formatPath(path), message };
}

/** The line of the deepest node along the field's path that exists in the document. */
function lineOf(doc: Document, lines: LineCounter, field: string): number | undefined {
  const path = field
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
