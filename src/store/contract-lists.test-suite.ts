/** The list half of the store contract (see `contract.test-suite.ts`), run inside its describe block. */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { formatTarget, parseTargetOrThrow } from '../policy/target.js';
import type { Store } from './types.js';

const rules = (...text: string[]) => text.map(parseTargetOrThrow);
const sha = (canonical: readonly string[]) => createHash('sha256').update(canonical.join('\n')).digest('hex');

/** Registers the list tests; `store` returns the store the surrounding `beforeEach` opened. */
export function runListContract(store: () => Store): void {
  it('creates named lists and refuses a taken or empty name', async () => {
    const lists = store().lists;
    const list = await lists.create({ name: ' malware ', format: 'rpz' }, 'Alice');
    expect(list).toMatchObject({ name: 'malware', format: 'rpz', createdBy: 'alice' });
    expect(await lists.get(list.id)).toEqual(list);
    expect(await lists.byName('malware')).toEqual(list);
    expect(await lists.get(999)).toBeUndefined();
    await expect(lists.create({ name: 'malware', format: 'hosts' }, 'bob')).rejects.toMatchObject({
      code: 'GH_ERR_LIST_EXISTS',
    });
    await expect(lists.create({ name: ' ', format: 'hosts' }, 'bob')).rejects.toMatchObject({
      code: 'GH_ERR_LIST_INVALID',
    });
    await lists.create({ name: 'phishing', format: 'hosts' }, 'bob');
    expect((await lists.all()).map((l) => l.name)).toEqual(['malware', 'phishing']);
  });

  it('makes a new version on re-import and keeps the old one readable', async () => {
    const lists = store().lists;
    const list = await lists.create({ name: 'feed', format: 'hosts' }, 'alice');
    const v1 = await lists.addVersion(
      list.id,
      {
        rules: rules('a.example', 'b.example', 'a.example'),
        sourceName: 'feed-1.txt',
        stats: { lines: 3, skipped: 0 },
      },
      'alice',
    );
    expect(v1).toMatchObject({
      listId: list.id,
      version: 1,
      ruleCount: 2,
      format: 'hosts',
      sourceName: 'feed-1.txt',
    });
    expect(v1.stats).toEqual({ lines: 3, skipped: 0 });
    expect(v1.sha256).toBe(sha(['a.example', 'b.example']));
    const v2 = await lists.addVersion(
      list.id,
      { rules: rules('b.example', 'c.example'), format: 'adblock' },
      'Bob',
    );
    expect(v2).toMatchObject({ version: 2, createdBy: 'bob', format: 'adblock', sourceName: null });
    expect((await lists.getVersion(list.id)).info).toEqual(v2);
    expect((await lists.getVersion(list.id, 1)).rules.map(formatTarget)).toEqual(['a.example', 'b.example']);
    expect(await lists.lines(list.id)).toEqual(['b.example', 'c.example']);
    expect(await lists.versions(list.id)).toEqual([v1, v2]);
    expect(await lists.diff(list.id, 1, 2)).toEqual({ added: ['c.example'], removed: ['a.example'] });
    expect(await lists.diff(list.id, 2, 1)).toEqual({ added: ['a.example'], removed: ['c.example'] });
  });

  it('round-trips every kind of rule and its flags', async () => {
    const lists = store().lists;
    const list = await lists.create({ name: 'kinds', format: 'canonical' }, 'alice');
    const text = [
      'example.com',
      '=exact.example',
      '*.sub.example',
      '192.0.2.1',
      '10.0.0.0/8',
      '2001:db8::/32',
      'http://example.org/path?q=1',
      '@@ok.example',
      'x.example$important,nodata',
      '@@=y.example$nxdomain',
    ];
    await lists.addVersion(list.id, { rules: rules(...text) }, 'alice');
    const { rules: back } = await lists.getVersion(list.id);
    expect(back).toEqual(rules(...text));
  });

  it('stores an empty version', async () => {
    const lists = store().lists;
    const list = await lists.create({ name: 'empty', format: 'hosts' }, 'alice');
    const v1 = await lists.addVersion(list.id, { rules: [] }, 'alice');
    expect(v1.ruleCount).toBe(0);
    expect((await lists.getVersion(list.id)).rules).toEqual([]);
  });

  it('reports missing lists and versions', async () => {
    const lists = store().lists;
    const list = await lists.create({ name: 'none-yet', format: 'hosts' }, 'alice');
    const missing = [
      () => lists.getVersion(list.id),
      () => lists.getVersion(999),
      () => lists.versions(999),
      () => lists.addVersion(999, { rules: [] }, 'alice'),
      () => lists.diff(list.id, 1, 2),
    ];
    for (const call of missing) await expect(call()).rejects.toMatchObject({ code: 'GH_ERR_LIST_NOT_FOUND' });
    expect(await lists.versions(list.id)).toEqual([]);
    await lists.addVersion(list.id, { rules: rules('a.example') }, 'alice');
    await expect(lists.getVersion(list.id, 2)).rejects.toMatchObject({ code: 'GH_ERR_LIST_NOT_FOUND' });
  });
}
