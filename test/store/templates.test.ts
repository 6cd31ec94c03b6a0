import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { openDatabase, type Db } from '../../src/db/open.js';
import { purgeDemoData } from '../../src/store/demo-data.js';
import { TemplateStore, type TemplateInput } from '../../src/store/templates.js';

let dir: string;
let db: Db;
let templates: TemplateStore;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-templates-'));
  db = openDatabase(join(dir, 'outpost.db'));
  migrate(db);
  const insert = db.prepare('INSERT INTO components (id, name, position, status_since, created_at, updated_at) VALUES (?, ?, ?, 0, 0, 0)');
  insert.run('website', 'Website', 1);
  insert.run('api', 'API', 2);
  insert.run('database', 'Database', 3);
  templates = new TemplateStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const input = (over: Partial<TemplateInput> = {}): TemplateInput => ({
  name: 'Payment provider down',
  title: 'Card payments failing',
  body: 'Our payment provider is **down**.',
  status: 'identified',
  impact: 'major',
  components: { database: 'degraded_performance', api: 'partial_outage' },
  ...over,
});
const componentRows = () => db.prepare('SELECT * FROM incident_template_components ORDER BY template_id, component_id').all();

describe('TemplateStore', () => {
  it('creates and reads a template with its components in page order', () => {
    const id = templates.create(input(), T0);
    expect(templates.get(id)).toEqual({
      id,
      name: 'Payment provider down',
      title: 'Card payments failing',
      body: 'Our payment provider is **down**.',
      status: 'identified',
      impact: 'major',
      components: [
        { componentId: 'api', status: 'partial_outage' },
        { componentId: 'database', status: 'degraded_performance' },
      ],
      createdAt: T0,
      updatedAt: T0,
    });
  });

  it('keeps status and impact optional', () => {
    const id = templates.create(input({ status: null, impact: null, components: {} }), T0);
    expect(templates.get(id)).toMatchObject({ status: null, impact: null, components: [] });
  });

  it('lists by name, case-insensitively', () => {
    templates.create(input({ name: 'zebra' }), T0);
    templates.create(input({ name: 'Alpha' }), T0);
    templates.create(input({ name: 'beta' }), T0);
    expect(templates.list().map((t) => t.name)).toEqual(['Alpha', 'beta', 'zebra']);
  });

  it('update replaces every field and the component list', () => {
    const id = templates.create(input(), T0);
    templates.update(id, input({ name: 'Renamed', title: '', body: 'new', status: null, impact: 'minor', components: { website: 'major_outage' } }), T0 + 1000);
    expect(templates.get(id)).toMatchObject({
      name: 'Renamed',
      title: '',
      body: 'new',
      status: null,
      impact: 'minor',
      components: [{ componentId: 'website', status: 'major_outage' }],
      createdAt: T0,
      updatedAt: T0 + 1000,
    });
    expect(componentRows()).toHaveLength(1);
  });

  it('delete removes the template and its components; unknown ids throw', () => {
    const id = templates.create(input(), T0);
    const other = templates.create(input({ name: 'Other' }), T0);
    templates.delete(id);
    expect(templates.get(id)).toBeUndefined();
    expect(templates.list().map((t) => t.id)).toEqual([other]);
    expect(componentRows()).toHaveLength(2);
    expect(() => templates.delete(id)).toThrow(/unknown template/);
    expect(() => templates.update(id, input(), T0)).toThrow(/unknown template/);
  });

  it('a failed update leaves the template as it was (one transaction)', () => {
    const id = templates.create(input(), T0);
    const before = templates.get(id);
    // The CHECK constraint fails on the second component, after the first write of the update.
    expect(() => templates.update(id, input({ name: 'half', components: { website: 'operational', api: 'on_fire' as never } }), T0 + 1)).toThrow(/CHECK/);
    expect(templates.get(id)).toEqual(before);
  });

  it('the table is STRICT and checks its enums', () => {
    expect(() => templates.create(input({ status: 'postmortem' as never }), T0)).toThrow(/CHECK/);
    expect(() => templates.create(input({ impact: 'apocalyptic' as never }), T0)).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO incident_templates (id, name, title, body, created_at, updated_at) VALUES ('x', 'n', 't', 'b', 'soon', 0)").run()).toThrow(
      /cannot store TEXT value in INTEGER column/,
    );
  });

  it('keeps entries whose component has gone, and never blocks removing components (the demo purge)', () => {
    const id = templates.create(input({ components: { api: 'partial_outage', ghost: 'major_outage' } }), T0);
    expect(templates.get(id)!.components.map((c) => c.componentId)).toEqual(['api', 'ghost']);
    db.prepare("INSERT INTO meta (key, value) VALUES ('demo_seeded_at', '1')").run();
    expect(purgeDemoData(db)).toBe(true);
    expect(templates.get(id)!.components.map((c) => c.componentId)).toEqual(['api', 'ghost']);
  });
});
