import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isGatehouseError } from '../core/errors.js';
import { type Certificate, ensureCertificate } from './tls-cert.js';

let root: string;
let first: Certificate;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gh-tls-'));
  first = await ensureCertificate({ dataDir: join(root, 'data') });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isGatehouseError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('self-signed certificate', () => {
  test('is created on first start under <dataDir>/tls/', () => {
    expect(first.created).toBe(true);
    expect(first.certFile).toBe(join(root, 'data', 'tls', 'cert.pem'));
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
  });

  test('is ECDSA P-256 for localhost, 127.0.0.1 and ::1', () => {
    const x = new X509Certificate(first.cert);
    expect(x.subject).toBe('CN=gatehouse.local');
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x.fingerprint256).toBe(first.fingerprint256);
    expect(first.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('is reused on later starts', async () => {
    const again = await ensureCertificate({ dataDir: join(root, 'data') });
    expect([again.created, again.fingerprint256, again.key]).toEqual([
      false,
      first.fingerprint256,
      first.key,
    ]);
  });

  test('concurrent first starts agree on one pair', async () => {
    const dataDir = join(root, 'race');
    const all = await Promise.all([1, 2, 3].map(() => ensureCertificate({ dataDir })));
    expect(new Set(all.map((c) => c.fingerprint256)).size).toBe(1);
  });

  test('a missing openssl is a precise error', async () => {
    const err = await codeOf(
      ensureCertificate({ dataDir: join(root, 'no-openssl'), openssl: '/nonexistent/openssl' }),
    );
    expect(err.code).toBe('GH_ERR_TLS_CERTIFICATE');
    expect(err.message).toContain('"/nonexistent/openssl"');
    expect(err.message).toContain('dot and doh need a certificate');
  });

  test('a tls directory with only one of the pair is refused', async () => {
    const dataDir = join(root, 'half');
    await ensureCertificate({ dataDir });
    rmSync(join(dataDir, 'tls', 'key.pem'));
    const err = await codeOf(ensureCertificate({ dataDir }));
    expect(err.code).toBe('GH_ERR_TLS_CERTIFICATE');
    expect(err.message).toContain(join(dataDir, 'tls'));
  });
});

describe('configured certificate', () => {
  test('is read and not recreated', async () => {
    const c = await ensureCertificate({
      certFile: first.certFile,
      keyFile: first.keyFile,
      dataDir: '/nonexistent',
    });
    expect([c.created, c.fingerprint256]).toEqual([false, first.fingerprint256]);
  });

  test.each<[string, () => { certFile?: string; keyFile?: string }, string]>([
    [
      'missing certificate file',
      () => ({ certFile: join(root, 'nope.pem'), keyFile: first.keyFile }),
      'nope.pem',
    ],
    ['missing key file', () => ({ certFile: first.certFile, keyFile: join(root, 'nokey.pem') }), 'nokey.pem'],
    [
      'certificate that is not PEM',
      () => ({ certFile: garbage('bad-cert.pem'), keyFile: first.keyFile }),
      'bad-cert.pem',
    ],
    [
      'key that is not PEM',
      () => ({ certFile: first.certFile, keyFile: garbage('bad-key.pem') }),
      'bad-key.pem',
    ],
    ['only a certificate', () => ({ certFile: first.certFile }), 'together'],
  ])('%s is GH_ERR_TLS_CERTIFICATE naming it', async (_name, files, needle) => {
    const err = await codeOf(ensureCertificate({ ...files(), dataDir: root }));
    expect(err.code).toBe('GH_ERR_TLS_CERTIFICATE');
    expect(err.message).toContain(needle);
  });

  test('a key of another certificate is refused', async () => {
    const other = await ensureCertificate({ dataDir: join(root, 'other') });
    const err = await codeOf(
      ensureCertificate({ certFile: first.certFile, keyFile: other.keyFile, dataDir: root }),
    );
    expect(err.code).toBe('GH_ERR_TLS_CERTIFICATE');
    expect(err.message).toContain('does not match');
  });
});

function garbage(name: string): string {
  const path = join(root, name);
  writeFileSync(path, 'not pem\n');
  return path;
}
