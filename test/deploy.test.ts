import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/util/paths.js';

const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8');

describe('how Outpost is started', () => {
  it('runs with the same V8 memory flags from npm start and from the Docker image (the benchmark reads npm start)', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]!) as string[];
    const flags = (args: string[]) => args.filter((a) => a.startsWith('--max-'));
    expect(flags(start)).toEqual(['--max-semi-space-size=2']);
    expect(flags(cmd)).toEqual(flags(start));
    expect(cmd.at(-1)).toBe(start.at(-1));
  });
});
