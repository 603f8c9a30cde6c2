/** The exports checked by the real tools when they are installed (`nft -c`, `unbound-checkconf`). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Rule } from '../model.js';
import { exportRules } from './export.js';

const rules: Rule[] = [
  { kind: 'subtree', value: 'b.example' },
  { kind: 'subtree', value: 'ok.b.example', allow: true },
  { kind: 'cidr', value: '192.0.2.0/24' },
  { kind: 'cidr', value: '198.51.100.0/25' },
  { kind: 'cidr', value: '198.51.100.128/25' },
  { kind: 'cidr', value: '2001:db8::/32' },
];
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tools-'));

describe('exports load in the real tools', () => {
  it.skipIf(!existsSync('/usr/sbin/nft'))('nft -c -f accepts the nftables export', () => {
    const path = join(dir, 'blocked.nft');
    writeFileSync(path, exportRules('nftables', rules).text);
    expect(() => execFileSync('/usr/sbin/nft', ['-c', '-f', path], { stdio: 'pipe' })).not.toThrow();
  });

  it.skipIf(!existsSync('/usr/sbin/unbound-checkconf'))(
    'unbound-checkconf accepts the unbound export',
    () => {
      const fragment = join(dir, 'local.conf');
      writeFileSync(fragment, exportRules('unbound', rules, { respip: true }).text);
      const conf = join(dir, 'unbound.conf');
      writeFileSync(
        conf,
        `server:\n  module-config: "respip iterator"\n  chroot: ""\n  username: ""\ninclude: "${fragment}"\n`,
      );
      expect(() => execFileSync('/usr/sbin/unbound-checkconf', [conf], { stdio: 'pipe' })).not.toThrow();
    },
  );
});
