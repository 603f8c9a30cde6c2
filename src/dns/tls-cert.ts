/**
 * The certificate DoT and DoH present. A configured certificate and key are read and checked
 * against each other; without one, the first start makes a self-signed ECDSA P-256
 * certificate for `localhost`, `127.0.0.1` and `::1` under `<dataDir>/tls/` with openssl,
 * and later starts reuse it, so its fingerprint (printed at start) stays stable for pinning.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GatehouseError } from '../core/errors.js';

/** Options of `ensureCertificate`. */
export interface CertificateOptions {
  /** PEM certificate chain to use; set together with `keyFile`. */
  readonly certFile?: string;
  /** PEM private key to use; set together with `certFile`. */
  readonly keyFile?: string;
  /** Where the self-signed certificate lives (`<dataDir>/tls/`). */
  readonly dataDir: string;
  /** The openssl binary. Default `/usr/bin/openssl`. */
  readonly openssl?: string;
  /** Validity of a new self-signed certificate. Default 825 days (the CA/B cap many clients enforce). */
  readonly days?: number;
}

/** The certificate in use, and whether this start made it. */
export interface Certificate {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint as `AB:CD:…` (`X509Certificate.fingerprint256`). */
  readonly fingerprint256: string;
  readonly created: boolean;
  readonly certFile: string;
  readonly keyFile: string;
}

const CERT_NAME = 'cert.pem';
const KEY_NAME = 'key.pem';
const SUBJECT_ALT_NAMES = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';

function certError(message: string, cause?: unknown): GatehouseError {
  return new GatehouseError('GH_ERR_TLS_CERTIFICATE', message, [], { cause });
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw certError(`reading tls ${what} ${JSON.stringify(path)}: ${code}`, err);
  }
}

/** Reads a certificate and key and checks they parse and belong together. */
async function load(certFile: string, keyFile: string, created: boolean): Promise<Certificate> {
  const cert = await readPem(certFile, 'certificate');
  const key = await readPem(keyFile, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw certError(`parsing tls certificate ${JSON.stringify(certFile)}: not a PEM certificate`, err);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw certError(`parsing tls key ${JSON.stringify(keyFile)}: not a PEM private key`, err);
  }
  if (!matches) {
    throw certError(
      `tls key ${JSON.stringify(keyFile)} does not match certificate ${JSON.stringify(certFile)}`,
    );
  }
  return { cert, key, fingerprint256: x509.fingerprint256, created, certFile, keyFile };
}

function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr).trim() }));
      else resolve();
    });
  });
}

/** Makes the self-signed pair in a fresh directory beside `dir`, then renames it into place. */
async function create(dir: string, opts: CertificateOptions): Promise<void> {
  const openssl = opts.openssl ?? '/usr/bin/openssl';
  await mkdir(opts.dataDir, { recursive: true });
  const tmp = await mkdtemp(join(opts.dataDir, '.tls-'));
  try {
    // biome-ignore format: openssl arguments read best grouped by option
    await run(openssl, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', String(opts.days ?? 825), '-subj', '/CN=gatehouse.local', '-addext', SUBJECT_ALT_NAMES,
      '-keyout', join(tmp, KEY_NAME), '-out', join(tmp, CERT_NAME),
    ]);
    await chmod(join(tmp, KEY_NAME), 0o600);
    // Renaming the directory is atomic: two processes starting together cannot end up with
    // one's key beside the other's certificate. The loser finds the winner's pair in place.
    await rename(tmp, dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT' && e.path === openssl) {
      throw certError(
        `creating a self-signed tls certificate: openssl not found at ${JSON.stringify(openssl)}; dot and doh need a certificate (install openssl, or set dns.tls.cert and dns.tls.key)`,
        err,
      );
    }
    throw certError(
      `creating a self-signed tls certificate in ${JSON.stringify(dir)}: ${e.stderr || e.message}`,
      err,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
  );
}

/**
 * Returns the certificate for DoT and DoH: the configured files (errors name the path), else
 * the self-signed one under `<dataDir>/tls/`, created on first use (`created: true`).
 */
export async function ensureCertificate(opts: CertificateOptions): Promise<Certificate> {
  if (opts.certFile !== undefined || opts.keyFile !== undefined) {
    if (opts.certFile === undefined || opts.keyFile === undefined) {
      throw certError('tls certificate and key must be configured together');
    }
    return load(opts.certFile, opts.keyFile, false);
  }
  const dir = join(opts.dataDir, 'tls');
  const certFile = join(dir, CERT_NAME);
  const keyFile = join(dir, KEY_NAME);
  const [haveCert, haveKey] = await Promise.all([exists(certFile), exists(keyFile)]);
  if (haveCert && haveKey) return load(certFile, keyFile, false);
  if (haveCert || haveKey) {
    throw certError(
      `tls directory ${JSON.stringify(dir)} holds only ${haveCert ? CERT_NAME : KEY_NAME}: remove it to make a new certificate`,
    );
  }
  await create(dir, opts);
  return load(certFile, keyFile, true);
}
