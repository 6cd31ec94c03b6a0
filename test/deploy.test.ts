import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { productionRuntime } from '../bench/ipc.js';
import { projectRoot } from '../src/util/paths.js';

const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8');

describe('how Outpost is started', () => {
  it('runs with the same Node flags from npm start and from the Docker image (the benchmark reads the image)', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]!) as string[];
    const flags = (args: string[]) => args.filter((a) => a.startsWith('--'));
    expect(flags(start)).toEqual(['--enable-source-maps', '--max-semi-space-size=2', '--heap-growing-percent=50']);
    expect(flags(cmd)).toEqual(flags(start));
    expect(cmd.at(-1)).toBe(start.at(-1));
  });

  it('limits glibc malloc arenas and gives large freed blocks back, in the image and in the benchmark', () => {
    expect(read('Dockerfile')).toMatch(/^ENV MALLOC_ARENA_MAX=2$/m);
    expect(read('Dockerfile')).toMatch(/^ENV MALLOC_MMAP_THRESHOLD_=131072$/m);
    expect(productionRuntime().env).toEqual({ MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' });
  });

  it('starts with flags this Node accepts', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
    const flags = start.filter((a) => a.startsWith('--'));
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
