/**
 * The URL matcher: host (exact) plus path prefix, for plaintext HTTP only.
 * URL rules are few (thousands); a map from host to its rules, longest path first.
 */
import type { Candidates } from './rule-meta.js';

/** One compiled URL rule: `host` is normalised, `path` starts with `/`. */
export interface UrlRule {
  readonly host: string;
  readonly path: string;
  readonly meta: number;
  readonly ruleId: number;
}

/** Host → path-prefix lookup. */
export class UrlTable {
  readonly #byHost = new Map<string, UrlRule[]>();
  readonly rules: readonly UrlRule[];

  constructor(rules: readonly UrlRule[]) {
    this.rules = rules;
    for (const rule of rules) {
      const list = this.#byHost.get(rule.host);
      if (list) list.push(rule);
      else this.#byHost.set(rule.host, [rule]);
    }
    for (const list of this.#byHost.values()) list.sort((a, b) => b.path.length - a.path.length);
  }

  /** Pushes every rule whose host equals `host` and whose path is a prefix of `path`. */
  collect(host: string, path: string, out: Candidates): void {
    const list = this.#byHost.get(host);
    if (!list) return;
    for (const r of list) if (path.startsWith(r.path)) out.push(r.meta, r.ruleId, r.path.length);
  }
}
