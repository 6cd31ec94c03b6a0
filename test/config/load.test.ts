import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { join } from 'node:path';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { projectRoot } from '../../src/util/paths.js';
import { ACME_YAML } from '../helpers/app.js';

function problems(text: string, env: NodeJS.ProcessEnv = {}) {
  try {
    parseConfig(text, 'outpost.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

const base = (components: string) => `page:
  id: acme
  name: Acme Status
  url: https://status.acme.example
components:
${components}`;

describe('parseConfig', () => {
  it('accepts the shipped outpost.example.yaml', () => {
    const { config } = loadConfigFile(join(projectRoot, 'outpost.example.yaml'), {});
    expect(config.page.id).toBe('acme');
  });

  it('accepts each commented-out block of outpost.example.yaml once uncommented', () => {
    const text = readFileSync(join(projectRoot, 'outpost.example.yaml'), 'utf8');
    const blocks = [...text.matchAll(/^# >>> (\w+)\n([\s\S]*?)^# <<<$/gm)];
    expect(blocks.map((b) => b[1])).toEqual(['probes', 'announce']);
    const env = {
      OUTPOST_WEBHOOK_SECRET: 'whsec-0123456789abcdef',
      OUTPOST_SLACK_WEBHOOK: 'https://hooks.slack.com/services/T0/B0/x',
      OUTPOST_X_CONSUMER_KEY: 'ck',
      OUTPOST_X_CONSUMER_SECRET: 'cs',
      OUTPOST_X_ACCESS_TOKEN: 'at',
      OUTPOST_X_ACCESS_TOKEN_SECRET: 'ats',
    };
    const uncommented = `${text}\n${blocks.map((b) => b[2]!.replace(/^# ?/gm, '')).join('\n')}`;
    const config = parseConfig(uncommented, 'outpost.example.yaml', env);
    expect(config.probes.map((p) => p.id)).toContain('dns-providers');
    expect(config.monitoring.auto_incidents).toBe('draft');
    expect(config.announce.map((c) => c.type)).toEqual(['webhook', 'slack', 'x']);
  });

  it('accepts the documented minimum shape', () => {
    const config = parseConfig(ACME_YAML, 'outpost.yaml', {});
    expect(config.page).toEqual({ id: 'acme', name: 'Acme Status', url: 'https://status.acme.example', time_zone: 'Europe/Zurich' });
    expect(config.components.map((c) => c.id)).toEqual(['website', 'api', 'database', 'dns']);
    expect(config.components[1]!.depends_on).toEqual(['database', 'dns']);
  });

  it('defaults the time zone to UTC', () => {
    expect(parseConfig(base('  - { id: a, name: A }'), 'x', {}).page.time_zone).toBe('Etc/UTC');
  });

  it('replaces ${VAR} from the environment, with defaults and $$ escapes', () => {
    const config = parseConfig(
      base('  - { id: a, name: "${NAME}", description: "${MISSING:-fallback} costs $$5" }'),
      'x',
      { NAME: 'From env' },
    );
    expect(config.components[0]).toMatchObject({ name: 'From env', description: 'fallback costs $5' });
  });

  it('never lets an environment value inject YAML structure', () => {
    const config = parseConfig(base('  - { id: a, name: "${NAME}" }'), 'x', { NAME: 'x\n  - { id: evil, name: Evil }' });
    expect(config.components).toHaveLength(1);
  });

  it('names the field, the line and the variable when the environment lacks one', () => {
    expect(problems(base('  - id: a\n    name: ${SECRET_NAME}'))).toEqual([
      { field: 'components[0].name', line: 7, message: 'environment variable SECRET_NAME is not set or empty (referenced as ${SECRET_NAME})' },
    ]);
  });

  it.each([
    ['unknown field', base('  - { id: a, name: A, colour: red }'), 'components[0].colour', 6, /unknown field "colour"/],
    ['bad id', base('  - { id: "Not OK", name: A }'), 'components[0].id', 6, /lower-case letters/],
    ['unknown dependency', base('  - { id: a, name: A }\n  - { id: b, name: B, depends_on: [a, c] }'), 'components[1].depends_on[1]', 7, /unknown component "c"; expected one of: a, b/],
    ['self dependency', base('  - { id: a, name: A, depends_on: [a] }'), 'components[0].depends_on[0]', 6, /cannot depend on itself/],
    ['duplicate id', base('  - { id: a, name: A }\n  - { id: a, name: B }'), 'components[1].id', 7, /duplicate component id "a"/],
    ['missing name', base('  - id: a'), 'components[0].name', 6, /missing; expected string/],
    ['bad start date', base('  - { id: a, name: A, start_date: yesterday }'), 'components[0].start_date', 6, /YYYY-MM-DD/],
    ['dependency listed twice', base('  - { id: a, name: A }\n  - { id: b, name: B, depends_on: [a, a] }'), 'components[1].depends_on[1]', 7, /"a" is listed twice/],
    ['id of a group', base('  - { id: group-infra, name: Infra thing }\n  - { id: db, name: DB, group: Infra }'), 'components[0].id', 6, /"group-infra" is the id of group "Infra"/],
    ['two groups, one id', base('  - { id: a, name: A, group: "API & Web" }\n  - { id: b, name: B, group: "API Web" }'), 'components[1].group', 7, /would share the id "group-api-web" with group "API & Web"/],
  ])('%s', (_name, text, field, line, message) => {
    const found = problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ field, line });
    expect(found[0]!.message).toMatch(message);
  });

  it.each(['https://status.acme.example/?x=1', 'https://status.acme.example/#top', 'https://user:pw@status.acme.example'])('refuses %s as the page URL: links are built on it, and it is published', (url) => {
    const found = problems(base('  - { id: a, name: A }').replace('https://status.acme.example', url));
    expect(found).toEqual([expect.objectContaining({ field: 'page.url', line: 4, message: expect.stringMatching(/without a query, fragment or user:password/) })]);
  });

  it('rejects the mutual-forwarding loop: a dependency cycle', () => {
    const found = problems(base('  - { id: ns1, name: NS1, depends_on: [ns2] }\n  - { id: ns2, name: NS2, depends_on: [ns1] }'));
    expect(found[0]!.message).toMatch(/dependency cycle ns1 -> ns2 -> ns1/);
  });

  it('lists every page problem at once, each with its line', () => {
    const found = problems('page:\n  id: acme\n  name: Acme\n  url: ftp://acme.example\n  time_zone: Mars/Olympus\ncomponents: []\n');
    expect(found.map((p) => [p.field, p.line])).toEqual([
      ['page.url', 4],
      ['page.time_zone', 5],
      ['components', 6],
    ]);
    expect(found[1]!.message).toMatch(/IANA time zone/);
  });

  it('reports YAML syntax errors with their line', () => {
    const found = problems('page:\n  id: acme\n  name: [unclosed\ncomponents: []\n');
    expect(found[0]!.message).toMatch(/^YAML syntax/);
    expect(found[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('rejects duplicate keys instead of silently taking the last', () => {
    expect(problems('page:\n  id: a\n  id: b\n')[0]!.message).toMatch(/YAML syntax.*[Mm]ap keys must be unique/);
  });

  it('formats the error message with file:line: field: message', () => {
    try {
      parseConfig(base('  - { id: a, name: A, colour: red }'), 'conf/outpost.yaml', {});
    } catch (err) {
      expect((err as Error).message).toContain('conf/outpost.yaml:6: components[0].colour: unknown field "colour"');
    }
    expect.assertions(1);
  });
});
