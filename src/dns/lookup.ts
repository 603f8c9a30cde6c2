/**
 * Name lookups for the proxy, through the gateway's own resolver: the same policy, the same
 * cache, the same upstreams, the same answer inspection as a subscriber's own DNS query.
 */
import type { Decision } from '../core/decision.js';
import { formatIPv4, formatIPv6 } from '../core/net/address.js';
import type { Identity } from '../identity/cidr-map.js';
import { evaluate } from '../policy/evaluate.js';
import type { DnsEnv } from './exchange.js';
import { fromCache, fromUpstream } from './resolver.js';
import { TYPE } from './wire/constants.js';
import { inspectAnswers } from './wire/inspect.js';

/** A resolved name: its addresses (IPv4 first), and the decision DNS would have taken. */
export interface NameLookup {
  readonly addresses: string[];
  readonly decision: Decision;
}

async function answers(env: DnsEnv, name: string, qtype: number, id: Identity, time: number) {
  const q = { name, qtype, qclass: 1, dnssecOk: false, cd: false };
  const r = fromCache(env, q, 0) ?? (await fromUpstream(env, q));
  const addresses: string[] = [];
  let blocked: Decision | null = null;
  inspectAnswers(r.response, r.response.length, {
    cname(target) {
      const d = evaluate(env.policy(), { domain: target, isp: id.isp, groups: id.groups, time });
      if (d.action === 'block') blocked = d;
      return blocked === null;
    },
    a(v) {
      addresses.push(formatIPv4(v));
      return true;
    },
    aaaa(w0, w1, w2, w3) {
      addresses.push(formatIPv6([w0, w1, w2, w3]));
      return true;
    },
  });
  return { addresses, blocked: blocked as Decision | null };
}

/** Builds the lookup function the proxy is given. */
export function createLookup(env: DnsEnv): (name: string, identity: Identity) => Promise<NameLookup> {
  return async (name, identity) => {
    const time = env.now();
    const decision = evaluate(env.policy(), {
      domain: name,
      isp: identity.isp,
      groups: identity.groups,
      time,
    });
    if (decision.action === 'block') return { addresses: [], decision };
    const v4 = await answers(env, name, TYPE.A, identity, time);
    if (v4.blocked) return { addresses: [], decision: v4.blocked };
    if (v4.addresses.length > 0) return { addresses: v4.addresses, decision };
    const v6 = await answers(env, name, TYPE.AAAA, identity, time);
    if (v6.blocked) return { addresses: [], decision: v6.blocked };
    return { addresses: v6.addresses, decision };
  };
}
