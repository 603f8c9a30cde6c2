import { describe, expect, test } from 'vitest';
import { makeOrder, T0, withTargets } from '../../test/helpers/orders.js';
import { compilePolicy } from '../policy/compile.js';
import { escapeHtml, noticeUrl, renderNotice } from './notice.js';

function order(over: Parameters<typeof makeOrder>[1] = {}) {
  return compilePolicy([withTargets(makeOrder(17, over), ['blocked.test'])], T0).orders[0];
}

describe('renderNotice html', () => {
  test('names the order, authority, legal basis, reference, expiry and appeal', () => {
    const { contentType, body } = renderNotice(order(), 'https://gatehouse.example', 'html');
    expect(contentType).toBe('text/html; charset=utf-8');
    for (const text of [
      'order 17',
      'Test District Court',
      'Test Act, art. 1',
      '2-26-17',
      '2026-12-28T12:00:00Z',
      '<a href="mailto:appeals@example.org">by e-mail to appeals@example.org</a>',
      '<a href="https://gatehouse.example/notices/17">',
    ]) {
      expect(body).toContain(text);
    }
  });

  test('escapes every value and has no script', () => {
    const evil = '<script>alert("x")</script>&';
    const o = order({
      title: evil,
      authority: { name: evil, kind: 'court' },
      legalBasis: { instrument: evil, article: "a'b" },
      decisionRef: evil,
    });
    const { body } = renderNotice(o, 'https://gatehouse.example', 'html');
    expect(body).not.toContain('<script');
    expect(body).not.toContain("a'b");
    expect(body).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;');
  });

  test.each([
    { uri: 'javascript:alert(1)', link: false },
    { uri: 'data:text/html,x', link: false },
    { uri: 'tel:+3612345678', link: true },
    { uri: 'sips:appeals@example.org', link: true },
  ])('appeal $uri is a link: $link', ({ uri, link }) => {
    const o = order({
      disclosure: { infoCode: 16, notice: 'n', appeal: [uri], dnsAnswer: 'nxdomain' },
    });
    const { body } = renderNotice(o, 'https://gatehouse.example', 'html');
    expect(body.includes(`href="${escapeHtml(uri)}"`)).toBe(link);
  });
});

describe('renderNotice json', () => {
  test('carries the same facts as fields', () => {
    const { contentType, body } = renderNotice(order(), 'https://gatehouse.example/', 'json');
    expect(contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(body)).toMatchObject({
      status: 451,
      order: { id: 17, title: 'order 17' },
      authority: { name: 'Test District Court', kind: 'court' },
      legalBasis: { instrument: 'Test Act', article: 'art. 1' },
      decisionRef: '2-26-17',
      expiresAt: '2026-12-28T12:00:00Z',
      appeal: ['mailto:appeals@example.org'],
      noticeUrl: 'https://gatehouse.example/notices/17',
    });
  });
});

test('noticeUrl drops trailing slashes of the operator URL', () => {
  expect(noticeUrl('https://g.example//', 3)).toBe('https://g.example/notices/3');
});
