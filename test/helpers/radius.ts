/** RADIUS accounting in end-to-end tests: the gateway's bound port, and the real `radclient`. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GatehouseHome, type RunningGateway, startGateway } from './gateway.js';

/** The accounting port a gateway started with `--radius 127.0.0.1:0` bound, from its log. */
export function radiusPort(gw: RunningGateway): number {
  const line = gw.log.find((l) => l.includes('radius accounting listening')) ?? '';
  const port = Number(/"radius":"[^"]*:(\d+)"/.exec(line)?.[1]);
  if (!(port > 0)) throw new Error(`no RADIUS accounting listener in the log:\n${gw.log.join('\n')}`);
  return port;
}

/**
 * Sends one accounting request (`attributes`, radclient's `Name = value` lines) with `radclient`,
 * one try, 2 s timeout; resolves with its output, prefixed `failed: ` when no answer came.
 */
export function radclient(port: number, secret: string, attributes: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(
      'radclient',
      ['-r', '1', '-t', '2', '-x', `127.0.0.1:${port}`, 'acct', secret],
      (err, stdout) => resolve(err ? `failed: ${stdout}` : stdout),
    );
    child.stdin?.end(attributes);
  });
}

/** The NAS every RADIUS e2e test plays: 127.0.0.1, for ISP `isp-a`. */
export const NAS_SECRET = 'testing123';
const NAS_CLIENT = `radius:\n  clients:\n    - { address: 127.0.0.1, isp: isp-a, secret: ${NAS_SECRET} }\n`;

/**
 * Starts `gatehouse start` with RADIUS accounting on port 0 and the test NAS as its client;
 * `yaml` adds to the configuration file (top-level keys other than `radius`).
 */
export function startRadiusGateway(
  home: GatehouseHome,
  args: readonly string[],
  yaml = '',
): Promise<RunningGateway> {
  const config = join(home.dir, 'gatehouse.yaml');
  writeFileSync(config, NAS_CLIENT + yaml);
  return startGateway(home, ['--config', config, '--radius', '127.0.0.1:0', ...args]);
}

/** The NAS announces a session: an Accounting Start for `user` at `address`; resolves with radclient's output. */
export function accountingStart(gw: RunningGateway, user: string, address: string, session: string) {
  return radclient(
    radiusPort(gw),
    NAS_SECRET,
    `Acct-Status-Type = Start\nUser-Name = "${user}"\nFramed-IP-Address = ${address}\n` +
      `Acct-Session-Id = "${session}"\nNAS-IP-Address = 127.0.0.1\n`,
  );
}
