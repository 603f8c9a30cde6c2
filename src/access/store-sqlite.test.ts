import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../store/open.js';
import { runWarrantContract } from './contract.test-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-warrants-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runWarrantContract('sqlite::memory:', () => openStore('sqlite::memory:'));
runWarrantContract('sqlite file', () => openStore(`sqlite:${join(dir, `store-${files++}.db`)}`));
