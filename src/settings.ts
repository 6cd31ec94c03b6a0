import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from './util/paths.js';

export const DEMO_CONFIG = join(projectRoot, 'demo', 'outpost.demo.yaml');

export interface Settings {
  port: number;
  host: string;
  configFile: string;
  /** No outpost.yaml and no OUTPOST_CONFIG: the bundled demo runs. */
  demo: boolean;
  dbFile: string;
  /** Proxy hops in front of Outpost whose X-Forwarded-For is trusted (OUTPOST_TRUST_PROXY). */
  trustProxy: number;
}

/** Process settings from the environment (the config file holds everything about the page itself). */
export function readSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const port = readPort(env, 'PORT', 3000);
  let configFile: string;
  let demo = false;
  if (env.OUTPOST_CONFIG) configFile = resolve(cwd, env.OUTPOST_CONFIG);
  else if (existsSync(join(cwd, 'outpost.yaml'))) configFile = join(cwd, 'outpost.yaml');
  else {
    configFile = DEMO_CONFIG;
    demo = true;
  }
  return {
    port,
    host: env.HOST || '0.0.0.0',
    configFile,
    demo,
    dbFile: resolve(cwd, env.OUTPOST_DB || join('data', 'outpost.db')),
    trustProxy: readHops(env.OUTPOST_TRUST_PROXY),
  };
}

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name}: expected a port number 0-65535, got "${raw}"`);
  return port;
}

function readHops(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const hops = Number(raw);
  if (!Number.isInteger(hops) || hops < 0 || hops > 10) throw new Error(`OUTPOST_TRUST_PROXY: expected the number of proxy hops, 0-10, got "${raw}"`);
  return hops;
}
