/**
 * compilePolicy: validated orders and their rules → one immutable CompiledPolicy.
 * Built off the hot path; the data plane swaps the reference and never locks.
 */
import type { Action, Disclosure } from '../core/decision.js';
import { GatehouseError } from '../core/errors.js';
import { parsePrefix } from '../core/net/address.js';
import type { DestinationClass } from './class-target.js';
import { DomainTable, type DomainTableLayout } from './match/domain-table.js';
import { DomainTableBuilder } from './match/domain-table-builder.js';
import { type PrefixRule, PrefixTable } from './match/prefix-table.js';
import { MAX_ORDERS, packMeta, unpackFlags } from './match/rule-meta.js';
import { UrlTable } from './match/url-table.js';
import type { Order, OrderWithRules, Rule } from './model.js';

/** What the hot path needs of an order (the rest stays in the store). */
export interface CompiledOrder {
  readonly id: number;
  readonly title: string;
  readonly authority: Order['authority'];
  readonly legalBasis: Order['legalBasis'];
  readonly decisionRef: string;
  readonly action: Exclude<Action, 'none'>;
  readonly rateBps: number;
  readonly disclosure: Disclosure;
  readonly notBefore: number;
  readonly expiresAt: number;
  readonly public: boolean;
  /** 0 national, 1 ISPs, 2 subscriber groups: narrower wins. */
  readonly scopeRank: 0 | 1 | 2;
  /** ISPs or groups the order applies to; null when national. */
  readonly scopeSet: ReadonlySet<string> | null;
}

/** Everything `explain` and the console need to show a compiled rule. */
export interface RuleInfo {
  readonly ruleId: number;
  readonly order: CompiledOrder;
  readonly rule: Rule;
}

/** The plain-data parts of a policy, for bundles and worker threads. */
export interface PolicyParts {
  readonly createdAt: number;
  readonly orders: readonly CompiledOrder[];
  readonly domainBuffer: SharedArrayBuffer | ArrayBuffer;
  readonly domainLayout: DomainTableLayout;
  readonly prefixRules: readonly { value: string; meta: number }[];
  readonly urlRules: readonly { value: string; meta: number }[];
  /** Destination-class rules (`class:international`); absent in snapshots that have none. */
  readonly classRules?: readonly { value: DestinationClass; meta: number }[];
}

/** One compiled class rule: its packed meta and its rule id. */
export interface ClassRule {
  readonly meta: number;
  readonly ruleId: number;
}

/** An immutable, compiled policy snapshot. Evaluate it with `evaluate()` from evaluate.ts. */
export class CompiledPolicy {
  readonly createdAt: number;
  readonly orders: readonly CompiledOrder[];
  readonly domains: DomainTable;
  readonly prefixes: PrefixTable;
  readonly urls: UrlTable;
  /** Class rules by class: a handful at most, matched by the class the proxy gives (evaluate.ts). */
  readonly classes: Readonly<Record<DestinationClass, readonly ClassRule[]>>;
  readonly parts: PolicyParts;

  constructor(parts: PolicyParts) {
    this.parts = parts;
    this.createdAt = parts.createdAt;
    this.orders = parts.orders;
    this.domains = new DomainTable(parts.domainBuffer, parts.domainLayout);
    // Domain rule ids are slot indexes (domain-table.ts); address and URL ids follow them.
    const nd = this.domains.ids;
    this.prefixes = new PrefixTable(
      parts.prefixRules.map((r, i) => {
        const prefix = parsePrefix(r.value);
        if (!prefix)
          throw new GatehouseError('GH_ERR_POLICY_BUNDLE', `bad address rule "${r.value}" in policy`);
        return { prefix, meta: r.meta, ruleId: nd + i } satisfies PrefixRule;
      }),
    );
    const np = parts.prefixRules.length;
    this.urls = new UrlTable(
      parts.urlRules.map((r, i) => {
        const slash = r.value.indexOf('/');
        return {
          host: r.value.slice(0, slash),
          path: r.value.slice(slash),
          meta: r.meta,
          ruleId: nd + np + i,
        };
      }),
    );
    // Class rule ids follow the URL ids.
    const nu = parts.urlRules.length;
    const classes: Record<DestinationClass, ClassRule[]> = { domestic: [], international: [] };
    (parts.classRules ?? []).forEach((r, i) => {
      const list = Object.hasOwn(classes, r.value) ? classes[r.value] : undefined;
      if (!list)
        throw new GatehouseError('GH_ERR_POLICY_BUNDLE', `bad destination class "${r.value}" in policy`);
      list.push({ meta: r.meta, ruleId: nd + np + nu + i });
    });
    this.classes = classes;
  }

  /** Counts of what the snapshot holds. */
  get stats(): {
    orders: number;
    domainRules: number;
    addressRules: number;
    urlRules: number;
    classRules: number;
    bytes: number;
  } {
    return {
      orders: this.orders.length,
      domainRules: this.domains.size,
      addressRules: this.prefixes.rules.length,
      urlRules: this.urls.rules.length,
      classRules: this.parts.classRules?.length ?? 0,
      bytes: this.parts.domainBuffer.byteLength,
    };
  }

  /** Describes compiled rule `ruleId` (as found in a Decision), or null when out of range. */
  rule(ruleId: number): RuleInfo | null {
    const nd = this.domains.ids;
    const np = this.prefixes.rules.length;
    const nu = this.urls.rules.length;
    const nc = this.parts.classRules?.length ?? 0;
    let meta: number;
    let rule: Rule;
    if (!Number.isInteger(ruleId) || ruleId < 0) return null;
    if (ruleId < nd) {
      if (!this.domains.has(ruleId)) return null;
      meta = this.domains.meta(ruleId);
      const k = (meta >>> 24) & 3;
      rule = {
        kind: k === 0 ? 'exact' : k === 2 ? 'subdomains' : 'subtree',
        value: this.domains.name(ruleId),
      };
    } else if (ruleId < nd + np) {
      meta = this.parts.prefixRules[ruleId - nd].meta;
      rule = { kind: 'cidr', value: this.parts.prefixRules[ruleId - nd].value };
    } else if (ruleId < nd + np + nu) {
      meta = this.parts.urlRules[ruleId - nd - np].meta;
      rule = { kind: 'url', value: this.parts.urlRules[ruleId - nd - np].value };
    } else if (ruleId < nd + np + nu + nc) {
      const r = (this.parts.classRules ?? [])[ruleId - nd - np - nu];
      meta = r.meta;
      rule = { kind: 'class', value: r.value };
    } else return null;
    return { ruleId, order: this.orders[meta & 0xffffff], rule: { ...rule, ...unpackFlags(meta) } };
  }
}

function compileOrder(order: Order): CompiledOrder {
  const scope = order.scope;
  if (order.action.kind === 'disconnect')
    throw new RangeError(`order ${order.id}: disconnect orders are not compiled`);
  return {
    id: order.id,
    title: order.title,
    authority: order.authority,
    legalBasis: order.legalBasis,
    decisionRef: order.decisionRef,
    action: order.action.kind,
    rateBps: order.action.kind === 'throttle' ? order.action.bytesPerSecond : 0,
    disclosure: order.disclosure,
    notBefore: order.notBefore,
    expiresAt: order.expiresAt,
    public: order.public,
    scopeRank: scope.kind === 'national' ? 0 : scope.kind === 'isps' ? 1 : 2,
    scopeSet: scope.kind === 'national' ? null : new Set(scope.kind === 'isps' ? scope.isps : scope.groups),
  };
}

/**
 * Compiles the active, unexpired orders among `orders` (their rules already validated and
 * normalised at import) into a snapshot. Orders whose not-before lies ahead are kept: they
 * start matching at their second without a recompile; expiry is checked per evaluation too.
 */
export function compilePolicy(orders: Iterable<OrderWithRules>, now: number): CompiledPolicy {
  const live = [...orders]
    // Disconnect orders act through RADIUS (identity/disconnect-orders.ts), not the DNS and proxy tables.
    .filter(
      (o) => o.order.status === 'active' && o.order.expiresAt > now && o.order.action.kind !== 'disconnect',
    )
    .sort((a, b) => a.order.id - b.order.id);
  if (live.length > MAX_ORDERS) throw new RangeError(`more than ${MAX_ORDERS} active orders`);
  const domains = new DomainTableBuilder();
  const prefixRules: { value: string; meta: number }[] = [];
  const urlRules: { value: string; meta: number }[] = [];
  const classRules: { value: DestinationClass; meta: number }[] = [];
  live.forEach(({ order, rules }, index) => {
    // An allow order's rules are all allows; exceptions inside other orders keep their flag.
    const forceAllow = order.action.kind === 'allow';
    for (const rule of rules) {
      const meta = packMeta(forceAllow && !rule.allow ? { ...rule, allow: true } : rule, index);
      if (rule.kind === 'cidr') prefixRules.push({ value: rule.value, meta });
      else if (rule.kind === 'url') urlRules.push({ value: rule.value, meta });
      else if (rule.kind === 'class') {
        // Validation refuses class targets on safe-search orders (class-target.ts); a stored one
        // left over from before that rule means nothing, so it compiles to nothing.
        if (order.action.kind !== 'safe-search')
          classRules.push({ value: rule.value as DestinationClass, meta });
      } else domains.add(rule.value, meta);
    }
  });
  const { buffer, layout } = domains.build();
  return new CompiledPolicy({
    createdAt: now,
    orders: live.map((o) => compileOrder(o.order)),
    domainBuffer: buffer,
    domainLayout: layout,
    prefixRules,
    urlRules,
    ...(classRules.length > 0 ? { classRules } : {}),
  });
}
