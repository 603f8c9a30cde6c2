import { describe, expect, it } from 'vitest';
import { FIREWALL_EVENT, IE, IpfixEncoder, type IpfixFlow, REVERSE_PEN } from './ipfix-codec.js';
import { IpfixDecoder } from './ipfix-decode.js';

const v4 = (a: number, b: number, c: number, d: number) => Uint8Array.from([a, b, c, d]);
const v6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]);

function flow(over: Partial<IpfixFlow> = {}): IpfixFlow {
  return {
    start: 1_764_000_000_123,
    end: 1_764_000_002_456,
    source: v4(10, 1, 2, 3),
    destination: v4(192, 0, 2, 7),
    destinationPort: 443,
    protocol: 6,
    bytesOut: 1234,
    bytesIn: 567_890_123_456,
    userName: 'p20420-abcdefghijklmnopqrst',
    firewallEvent: FIREWALL_EVENT.deleted,
    ...over,
  };
}

const u64 = (b: Buffer | undefined) => Number(b?.readBigUInt64BE(0));

describe('IPFIX encoder round trip', () => {
  it.each([
    ['IPv4 → IPv4, with source', true, flow(), 4, 4],
    ['IPv4 → IPv6, with source', true, flow({ destination: v6 }), 4, 16],
    ['IPv6 → none (blocked), with source', true, flow({ source: v6, destination: null }), 16, 0],
    ['source left out', false, flow(), 0, 4],
    ['source left out, IPv6 destination', false, flow({ destination: v6 }), 0, 16],
  ])('%s', (_name, includeAddress, f, srcLen, dstLen) => {
    const enc = new IpfixEncoder({ observationDomain: 7, maxMessageBytes: 1232, includeAddress });
    const [msg, ...rest] = enc.encode([f], 1_764_000_003, true);
    expect(rest).toHaveLength(0);
    const d = new IpfixDecoder().decode(msg as Buffer);
    expect(d).toMatchObject({ exportTime: 1_764_000_003, sequence: 0, observationDomain: 7 });
    expect(d.templateIds.length).toBe(includeAddress ? 9 : 3);
    const r = d.records[0]?.fields as Map<string, Buffer>;
    expect(u64(r.get(String(IE.flowStartMilliseconds)))).toBe(f.start);
    expect(u64(r.get(String(IE.flowEndMilliseconds)))).toBe(f.end);
    expect(r.get(String(IE.destinationTransportPort))?.readUInt16BE(0)).toBe(443);
    expect(r.get(String(IE.protocolIdentifier))?.[0]).toBe(6);
    expect(u64(r.get(String(IE.octetDeltaCount)))).toBe(f.bytesOut);
    expect(u64(r.get(`${REVERSE_PEN}/${IE.octetDeltaCount}`))).toBe(f.bytesIn);
    expect(r.get(String(IE.userName))?.toString()).toBe(f.userName);
    const src = r.get(String(IE.sourceIPv4Address)) ?? r.get(String(IE.sourceIPv6Address));
    const dst = r.get(String(IE.destinationIPv4Address)) ?? r.get(String(IE.destinationIPv6Address));
    expect(src?.length ?? 0).toBe(srcLen);
    expect(dst?.length ?? 0).toBe(dstLen);
    if (srcLen) expect([...(src as Buffer)]).toEqual([...(f.source as Uint8Array)]);
  });

  it('counts Data Records in the Sequence Number, not templates or messages (RFC 7011 §3.1)', () => {
    const enc = new IpfixEncoder({ observationDomain: 1, maxMessageBytes: 1232, includeAddress: false });
    const dec = new IpfixDecoder();
    expect(dec.decode(enc.templatesMessage(1)).sequence).toBe(0);
    const first = enc.encode([flow(), flow(), flow()], 1, true);
    const second = enc.encode([flow()], 2, false);
    expect(first.map((m) => dec.decode(m).sequence)).toEqual([0]);
    expect(dec.decode(second[0] as Buffer).sequence).toBe(3);
    enc.resetSession();
    expect(enc.sequence).toBe(0);
  });

  it('encodes a userName of 255+ bytes with the 3-byte length prefix (RFC 7011 §7)', () => {
    const enc = new IpfixEncoder({ observationDomain: 1, maxMessageBytes: 65535, includeAddress: false });
    const name = 'x'.repeat(300);
    const d = new IpfixDecoder().decode(enc.encode([flow({ userName: name })], 1, true)[0] as Buffer);
    expect(d.records[0]?.fields.get(String(IE.userName))?.toString()).toBe(name);
  });

  it('writes an empty userName for an unknown subscriber', () => {
    const enc = new IpfixEncoder({ observationDomain: 1, maxMessageBytes: 1232, includeAddress: false });
    const d = new IpfixDecoder().decode(enc.encode([flow({ userName: '' })], 1, true)[0] as Buffer);
    expect(d.records[0]?.fields.get(String(IE.userName))?.length).toBe(0);
  });

  it('refuses a maximum message size outside 512..65535', () => {
    expect(
      () => new IpfixEncoder({ observationDomain: 1, maxMessageBytes: 70_000, includeAddress: false }),
    ).toThrow(RangeError);
  });
});

describe('IPFIX encoder lengths (fuzz-ish)', () => {
  // A small deterministic generator: the same shapes every run, many of them.
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const addr = () => [null, v4(10, 0, 0, rand(255)), v6][rand(3)] as Uint8Array | null;

  it.each([512, 1232, 1500, 9000, 65535])('never exceeds %d bytes and loses no record', (max) => {
    for (let round = 0; round < 20; round++) {
      const includeAddress = rand(2) === 1;
      const enc = new IpfixEncoder({ observationDomain: 3, maxMessageBytes: max, includeAddress });
      const flows = Array.from({ length: 1 + rand(400) }, () =>
        flow({
          source: addr(),
          destination: addr(),
          userName: 'u'.repeat(rand(3) === 0 ? rand(2000) : rand(40)),
        }),
      );
      const messages = enc.encode(flows, 5, rand(2) === 1);
      const dec = new IpfixDecoder();
      dec.decode(enc.templatesMessage(5)); // a collector that has the templates
      let records = 0;
      let expectedSequence = 0;
      for (const m of messages) {
        expect(m.length).toBeLessThanOrEqual(max);
        expect(m.readUInt16BE(2)).toBe(m.length);
        const d = dec.decode(m);
        expect(d.sequence).toBe(expectedSequence);
        expectedSequence += d.records.length;
        records += d.records.length;
      }
      expect(records).toBe(flows.length);
    }
  });

  it('refuses truncated and corrupted messages with a RangeError, never reading past the end', () => {
    const enc = new IpfixEncoder({ observationDomain: 1, maxMessageBytes: 1232, includeAddress: true });
    const good = enc.encode([flow(), flow({ destination: v6 })], 1, true)[0] as Buffer;
    for (let cut = 0; cut < good.length; cut += 7) {
      const bad = Buffer.from(good.subarray(0, cut));
      if (bad.length >= 4) bad.writeUInt16BE(bad.length, 2);
      // A cut on a Set boundary is a valid, shorter message; anywhere else it must be refused.
      try {
        expect(new IpfixDecoder().decode(bad).records.length).toBeLessThan(2);
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
      }
    }
    for (let i = 0; i < 200; i++) {
      const bad = Buffer.from(good);
      bad[16 + rand(good.length - 16)] = rand(256);
      try {
        new IpfixDecoder().decode(bad);
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
      }
    }
  });
});
