/** The first admin's name and one-time password, as `gatehouse start` prints them at first start. */

/** Finds them in the gateway's log lines (JSON or text); throws with the log when absent. */
export function firstAdmin(log: readonly string[]): { name: string; password: string } {
  for (const line of log) {
    if (!/one-time|oneTimePassword|first admin/i.test(line)) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      const name = o.user ?? o.name ?? o.admin;
      const password = o.oneTimePassword ?? o.password;
      if (typeof name === 'string' && typeof password === 'string') return { name, password };
    } catch {
      // Not JSON: a line for people, e.g. `first admin "admin", one-time password: XXXX`.
    }
    const m = /(?:user|admin|name)\W+([\w.-]+).*?(?:one-time password|password)\W+([\w-]{8,})/i.exec(line);
    if (m) return { name: m[1], password: m[2] };
  }
  throw new Error(`gatehouse start printed no first admin one-time password:\n${log.join('\n')}`);
}
