import { describe, expect, it } from 'vitest';
import {
  activate,
  allowedTransitions,
  approve,
  dueForExpiry,
  expire,
  type OrderState,
  submit,
  type Transition,
  transition,
  validateOrderInput,
} from './lifecycle.js';
import type { OrderStatus } from './model.js';

const DAY = 86_400_000;
const NOW = Date.parse('2025-03-01T12:00:00Z');
const OPTS = { maxDurationMs: 90 * DAY, now: NOW };

type Raw = Record<string, unknown>;
const valid = (): Raw => ({
  title: 'Block example.com',
  authority: { name: 'District Court', kind: 'court' },
  legalBasis: { instrument: 'Online Safety Act 2023', article: 's. 7' },
  decisionRef: '2025/17',
  scope: { kind: 'national' },
  action: { kind: 'block' },
  disclosure: { notice: 'Blocked by court order 2025/17', appeal: ['mailto:appeals@court.example'] },
  expiresAt: NOW + 30 * DAY,
  targets: ['Example.COM.', 'example.com', '=exact.example', '2001:DB8::/32'],
});

/** Runs the validator and returns the paths of the problems it reported, or [] when it accepted. */
function problems(input: unknown, opts = OPTS): { code?: string; paths: string[] } {
  try {
    validateOrderInput(input, opts);
    return { paths: [] };
  } catch (err) {
    const e = err as { code: string; details: string[] };
    return { code: e.code, paths: e.details.map((d) => d.slice(0, d.indexOf(':'))) };
  }
}

describe('validateOrderInput', () => {
  it('normalises a valid order and fills in defaults', () => {
    const order = validateOrderInput(valid(), OPTS);
    expect(order).toMatchObject({ notBefore: NOW, public: true, scope: { kind: 'national' } });
    expect(order.disclosure).toEqual({
      infoCode: 16,
      notice: 'Blocked by court order 2025/17',
      appeal: ['mailto:appeals@court.example'],
      dnsAnswer: 'nxdomain',
    });
    expect(order.targets).toEqual(['example.com', '=exact.example', '2001:db8::/32']);
  });

  it.each([
    ['court', 16],
    ['independent-body', 16],
    ['regulator', 16],
    ['operator', 15],
  ])('defaults infoCode for a %s order to %i', (kind, infoCode) => {
    const input = { ...valid(), authority: { name: 'X', kind } };
    expect(validateOrderInput(input, OPTS).disclosure.infoCode).toBe(infoCode);
  });

  it.each([
    ['tel:+44-20-7946-0000'],
    ['sips:appeals@court.example'],
    ['sips:court.example:5061;transport=tls'],
    ['mailto:appeals@court.example?subject=2025%2F17'],
  ])('accepts the appeal URI %s', (uri) => {
    const input = { ...valid(), disclosure: { notice: 'n', appeal: [uri] } };
    expect(validateOrderInput(input, OPTS).disclosure.appeal).toEqual([uri]);
  });

  it('accepts ISO 8601 times, throttles and narrow scopes', () => {
    const input = {
      ...valid(),
      notBefore: '2025-03-02T00:00:00Z',
      expiresAt: '2025-04-01T00:00:00Z',
      action: { kind: 'throttle', bytesPerSecond: 125_000 },
      scope: { kind: 'isps', isps: ['isp-a', ' isp-a '] },
      public: false,
    };
    expect(validateOrderInput(input, OPTS)).toMatchObject({
      notBefore: Date.parse('2025-03-02T00:00:00Z'),
      expiresAt: Date.parse('2025-04-01T00:00:00Z'),
      action: { kind: 'throttle', bytesPerSecond: 125_000 },
      scope: { kind: 'isps', isps: ['isp-a'] },
      public: false,
    });
  });

  const cases: [string, (o: Raw) => unknown, string[]][] = [
    [
      'not an object',
      () => 'order',
      [
        'order',
        'title',
        'authority',
        'legalBasis',
        'decisionRef',
        'scope',
        'action',
        'disclosure',
        'expiresAt',
      ],
    ],
    ['an unknown field', (o) => ({ ...o, legal_basis: {} }), ['legal_basis']],
    ['no title', (o) => ({ ...o, title: undefined }), ['title']],
    ['a blank title', (o) => ({ ...o, title: '  ' }), ['title']],
    ['no authority', (o) => ({ ...o, authority: undefined }), ['authority']],
    [
      'an unknown authority kind',
      (o) => ({ ...o, authority: { name: 'X', kind: 'judge' } }),
      ['authority.kind'],
    ],
    ['an authority without a name', (o) => ({ ...o, authority: { kind: 'court' } }), ['authority.name']],
    ['no legal basis', (o) => ({ ...o, legalBasis: undefined }), ['legalBasis']],
    [
      'a legal basis without an article',
      (o) => ({ ...o, legalBasis: { instrument: 'Act' } }),
      ['legalBasis.article'],
    ],
    [
      'a legal basis without an instrument',
      (o) => ({ ...o, legalBasis: { article: '7' } }),
      ['legalBasis.instrument'],
    ],
    ['a legal basis that is a string', (o) => ({ ...o, legalBasis: 'Act s. 7' }), ['legalBasis']],
    ['no decision reference', (o) => ({ ...o, decisionRef: '' }), ['decisionRef']],
    ['no scope', (o) => ({ ...o, scope: undefined }), ['scope']],
    ['an unknown scope', (o) => ({ ...o, scope: { kind: 'regional' } }), ['scope.kind']],
    ['an empty isp scope', (o) => ({ ...o, scope: { kind: 'isps', isps: [] } }), ['scope.isps']],
    ['a bad group name', (o) => ({ ...o, scope: { kind: 'groups', groups: ['a', 3] } }), ['scope.groups[1]']],
    ['no action', (o) => ({ ...o, action: undefined }), ['action']],
    ['an unknown action', (o) => ({ ...o, action: { kind: 'drop' } }), ['action.kind']],
    [
      'a zero throttle',
      (o) => ({ ...o, action: { kind: 'throttle', bytesPerSecond: 0 } }),
      ['action.bytesPerSecond'],
    ],
    [
      'a fractional throttle',
      (o) => ({ ...o, action: { kind: 'throttle', bytesPerSecond: 1.5 } }),
      ['action.bytesPerSecond'],
    ],
    ['no disclosure', (o) => ({ ...o, disclosure: undefined }), ['disclosure']],
    [
      'an unknown info code',
      (o) => ({ ...o, disclosure: { ...disc(o), infoCode: 18 } }),
      ['disclosure.infoCode'],
    ],
    ['no notice', (o) => ({ ...o, disclosure: { ...disc(o), notice: undefined } }), ['disclosure.notice']],
    ['no appeal', (o) => ({ ...o, disclosure: { ...disc(o), appeal: [] } }), ['disclosure.appeal']],
    [
      'an http appeal',
      (o) => ({ ...o, disclosure: { ...disc(o), appeal: ['http://x.example'] } }),
      ['disclosure.appeal[0]'],
    ],
    [
      'a mailto without a domain',
      (o) => ({ ...o, disclosure: { ...disc(o), appeal: ['tel:+1', 'mailto:nobody'] } }),
      ['disclosure.appeal[1]'],
    ],
    [
      'an unknown dns answer',
      (o) => ({ ...o, disclosure: { ...disc(o), dnsAnswer: 'drop' } }),
      ['disclosure.dnsAnswer'],
    ],
    ['no expiry', (o) => ({ ...o, expiresAt: undefined }), ['expiresAt']],
    ['an unreadable expiry', (o) => ({ ...o, expiresAt: 'next tuesday' }), ['expiresAt']],
    [
      'an expiry before the start',
      (o) => ({ ...o, notBefore: NOW + DAY, expiresAt: NOW + DAY }),
      ['expiresAt'],
    ],
    ['an unreadable start', (o) => ({ ...o, notBefore: -5 }), ['notBefore']],
    ['a non-boolean public', (o) => ({ ...o, public: 'yes' }), ['public']],
    ['targets that are not an array', (o) => ({ ...o, targets: 'example.com' }), ['targets']],
    [
      'bad targets',
      (o) => ({ ...o, targets: ['ok.example', 'bad..name', 7, '10.0.0.0/33'] }),
      ['targets[1]', 'targets[2]', 'targets[3]'],
    ],
  ];

  it.each(cases)('refuses %s with GH_ERR_ORDER_INVALID', (_, mutate, paths) => {
    expect(problems(mutate(valid()))).toEqual({ code: 'GH_ERR_ORDER_INVALID', paths });
  });

  it('reports every problem at once', () => {
    const input = { ...valid(), title: '', legalBasis: undefined, expiresAt: undefined, targets: ['a..b'] };
    expect(problems(input)).toEqual({
      code: 'GH_ERR_ORDER_INVALID',
      paths: ['title', 'legalBasis', 'expiresAt', 'targets[0]'],
    });
  });

  it('says why an order without a legal basis or an expiry is refused', () => {
    const input = { ...valid(), legalBasis: undefined, expiresAt: undefined };
    expect(() => validateOrderInput(input, OPTS)).toThrow(
      /without a legal basis is refused.*without an expiry is refused/,
    );
  });

  it('allows an expiry exactly at the maximum duration', () => {
    expect(validateOrderInput({ ...valid(), expiresAt: NOW + 90 * DAY }, OPTS).expiresAt).toBe(
      NOW + 90 * DAY,
    );
  });

  it('refuses an expiry beyond the maximum duration with its own code', () => {
    expect(problems({ ...valid(), expiresAt: NOW + 90 * DAY + 1 })).toEqual({
      code: 'GH_ERR_ORDER_EXPIRY_TOO_FAR',
      paths: ['expiresAt'],
    });
  });

  it('reports a far expiry among other problems as GH_ERR_ORDER_INVALID', () => {
    expect(problems({ ...valid(), title: '', expiresAt: NOW + 365 * DAY })).toEqual({
      code: 'GH_ERR_ORDER_INVALID',
      paths: ['title', 'expiresAt'],
    });
  });
});

function disc(o: Raw): Raw {
  return o.disclosure as Raw;
}

const STATUSES: OrderStatus[] = ['draft', 'pending-approval', 'active', 'suspended', 'expired', 'revoked'];
const ALLOWED: Record<Transition, OrderStatus[]> = {
  submit: ['draft'],
  approve: ['pending-approval'],
  activate: ['suspended'],
  suspend: ['active'],
  revoke: ['draft', 'pending-approval', 'active', 'suspended'],
  expire: ['draft', 'pending-approval', 'active', 'suspended'],
};
const TO: Record<Transition, OrderStatus> = {
  submit: 'pending-approval',
  approve: 'active',
  activate: 'active',
  suspend: 'suspended',
  revoke: 'revoked',
  expire: 'expired',
};

const order = (status: OrderStatus, expiresAt = NOW + DAY): OrderState => ({
  id: 17,
  status,
  createdBy: 'alice',
  expiresAt,
});

describe('transitions', () => {
  const matrix = (Object.keys(ALLOWED) as Transition[]).flatMap((t) =>
    STATUSES.map((s) => [t, s, ALLOWED[t].includes(s)] as const),
  );

  it.each(matrix)('%s from %s: allowed %s', (name, status, allowed) => {
    // Expiry is only due once the order's time is up; everything else happens before it.
    const now = name === 'expire' ? NOW + 2 * DAY : NOW;
    if (allowed) {
      expect(transition(order(status), name, 'Bob', now)).toMatchObject({
        orderId: 17,
        transition: name,
        from: status,
        to: TO[name],
        actor: 'bob',
        at: now,
      });
    } else {
      expect(() => transition(order(status), name, 'bob', now)).toThrow(
        expect.objectContaining({ code: 'GH_ERR_ORDER_STATE' }),
      );
    }
  });

  it('says what the state was and what was refused', () => {
    expect(() => approve(order('revoked'), 'bob', NOW)).toThrow('order 17 is revoked; cannot approve');
  });

  it('records who approved and when', () => {
    expect(approve(order('pending-approval'), 'bob', NOW)).toMatchObject({
      approvedBy: 'bob',
      approvedAt: NOW,
    });
    expect(submit(order('draft'), 'alice', NOW)).not.toHaveProperty('approvedBy');
  });

  it.each([
    ['approve', 'pending-approval', 'alice'],
    ['approve', 'pending-approval', ' ALICE '],
    ['activate', 'suspended', 'alice'],
  ] as const)('refuses %s of a %s order by its creator (%j)', (name, status, actor) => {
    expect(() => transition(order(status), name, actor, NOW)).toThrow(
      expect.objectContaining({ code: 'GH_ERR_ORDER_SELF_APPROVAL' }),
    );
  });

  it.each([
    ['approve', () => approve(order('pending-approval', NOW), 'bob', NOW)],
    ['activate', () => activate(order('suspended', NOW - 1), 'bob', NOW)],
    ['expire early', () => expire(order('active', NOW + 1), NOW)],
  ])('refuses to %s against the clock', (_, act) => {
    expect(act).toThrow(expect.objectContaining({ code: 'GH_ERR_ORDER_STATE' }));
  });

  it.each([
    ['', 'GH_ERR_USER_REQUIRED'],
    ['   ', 'GH_ERR_USER_REQUIRED'],
    ['bob smith', 'GH_ERR_USER_INVALID'],
    ['x'.repeat(65), 'GH_ERR_USER_INVALID'],
  ])('refuses the actor %j', (actor, code) => {
    expect(() => submit(order('draft'), actor, NOW)).toThrow(expect.objectContaining({ code }));
  });

  it('expires automatically as the system, only what is due', () => {
    const orders = [
      order('active', NOW),
      order('suspended', NOW + 1),
      order('revoked', NOW - 1),
      order('draft', NOW - 1),
    ];
    expect(dueForExpiry(orders, NOW).map((c) => [c.from, c.to, c.actor])).toEqual([
      ['active', 'expired', 'system'],
      ['draft', 'expired', 'system'],
    ]);
  });

  it('lists the transitions each state allows', () => {
    expect(allowedTransitions('active')).toEqual(['suspend', 'revoke', 'expire']);
    expect(allowedTransitions('revoked')).toEqual([]);
  });
});
