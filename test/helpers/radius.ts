/** RADIUS accounting in end-to-end tests: the gateway's bound port, and the real `radclient`. */
import { execFile } from 'node:child_process';
import type { RunningGateway } from './gateway.js';

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
