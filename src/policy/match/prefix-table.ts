/**
 * The address matcher: longest-prefix match over IPv4 and IPv6 rules.
 * One hash map per distinct prefix length, probed from the longest length down: address
 * rules number in the thousands, not millions, so each worker builds these maps from the
 * bundle's compact rule list in milliseconds (the million-rule domain table is the shared part).
 */
import { maskWords, type Prefix } from '../../core/net/address.js';
import type { Candidates } from './rule-meta.js';

/** One compiled address rule. */
export interface PrefixRule {
  readonly prefix: Prefix;
  readonly meta: number;
  readonly ruleId: number;
}

interface Family {
  /** Distinct prefix lengths present, longest first. */
  lengths: number[];
  /** Per length: masked key → rules with that prefix. */
  maps: Map<number, Map<number | string, PrefixRule[]>>;
}

function key(family: 4 | 6, words: readonly number[]): number | string {
  return family === 4 ? words[3] : `${words[0]}:${words[1]}:${words[2]}:${words[3]}`;
}

/** Longest-prefix lookup over a fixed set of rules. */
export class PrefixTable {
  readonly #v4: Family = { lengths: [], maps: new Map() };
  readonly #v6: Family = { lengths: [], maps: new Map() };
  readonly rules: readonly PrefixRule[];

  constructor(rules: readonly PrefixRule[]) {
    this.rules = rules;
    for (const rule of rules) {
      const fam = rule.prefix.family === 4 ? this.#v4 : this.#v6;
      let map = fam.maps.get(rule.prefix.length);
      if (!map) {
        map = new Map();
        fam.maps.set(rule.prefix.length, map);
        fam.lengths.push(rule.prefix.length);
      }
      const k = key(rule.prefix.family, maskWords(rule.prefix, rule.prefix.length));
      const list = map.get(k);
      if (list) list.push(rule);
      else map.set(k, [rule]);
    }
    this.#v4.lengths.sort((a, b) => b - a);
    this.#v6.lengths.sort((a, b) => b - a);
  }

  /** Pushes every rule whose prefix contains `address`, with specificity = prefix length. */
  collect(address: Prefix, out: Candidates): void {
    const fam = address.family === 4 ? this.#v4 : this.#v6;
    for (const length of fam.lengths) {
      const k = key(address.family, maskWords(address, length));
      const hits = fam.maps.get(length)?.get(k);
      if (hits) for (const r of hits) out.push(r.meta, r.ruleId, length);
    }
  }
}
