/**
 * Frame Streams (fstrm, github.com/farsightsec/fstrm, "Frame Streams Control Protocol"): the
 * framing dnstap travels in, and the writer's side of the bidirectional handshake.
 *
 * A data frame is a 32-bit big-endian length (never 0) and the payload. A control frame starts
 * with the escape (a 0 length), then its own 32-bit length, a 32-bit control type and fields
 * (type 1 CONTENT_TYPE: 32-bit length and the type string). Over a bidirectional socket the
 * writer sends READY, the reader answers ACCEPT, the writer sends START, then data frames, and
 * at the end STOP, which the reader answers with FINISH.
 */
import type { Socket } from 'node:net';

/** Control frame types. */
export const CONTROL = { ACCEPT: 1, START: 2, STOP: 3, READY: 4, FINISH: 5 } as const;
const FIELD_CONTENT_TYPE = 1;
/** The longest control frame accepted from a reader (the reference library caps it at 512). */
const MAX_CONTROL = 512;

/** The content type of dnstap payloads. */
export const DNSTAP_CONTENT_TYPE = 'protobuf:dnstap.Dnstap';

/** Encodes a control frame, escape included. */
export function controlFrame(type: number, contentTypes: readonly string[] = []): Buffer {
  const fields = contentTypes.map((t) => {
    const b = Buffer.from(t, 'utf8');
    const f = Buffer.alloc(8 + b.length);
    f.writeUInt32BE(FIELD_CONTENT_TYPE, 0);
    f.writeUInt32BE(b.length, 4);
    b.copy(f, 8);
    return f;
  });
  const body = Buffer.concat([Buffer.alloc(4), ...fields]);
  body.writeUInt32BE(type, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0, 0); // escape
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** Appends data frames for `payloads` (each a length and the bytes). */
export function dataFrames(payloads: readonly Buffer[]): Buffer {
  const total = payloads.reduce((n, p) => n + 4 + p.length, 0);
  const out = Buffer.alloc(total);
  let at = 0;
  for (const p of payloads) {
    out.writeUInt32BE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** A decoded frame. */
export type Frame =
  | { readonly kind: 'data'; readonly payload: Buffer }
  | { readonly kind: 'control'; readonly type: number; readonly contentTypes: string[] };

/** Decodes the complete frames at the start of `buf`; returns them and the bytes consumed. */
export function readFrames(buf: Buffer): { frames: Frame[]; used: number } {
  const frames: Frame[] = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const n = buf.readUInt32BE(at);
    if (n > 0) {
      if (at + 4 + n > buf.length) break;
      frames.push({ kind: 'data', payload: buf.subarray(at + 4, at + 4 + n) });
      at += 4 + n;
      continue;
    }
    if (at + 8 > buf.length) break;
    const len = buf.readUInt32BE(at + 4);
    if (len < 4 || len > MAX_CONTROL) throw new RangeError(`fstrm: control frame of ${len} bytes`);
    if (at + 8 + len > buf.length) break;
    frames.push(parseControl(buf.subarray(at + 8, at + 8 + len)));
    at += 8 + len;
  }
  return { frames, used: at };
}

function parseControl(body: Buffer): Frame {
  const contentTypes: string[] = [];
  let at = 4;
  while (at + 8 <= body.length) {
    const type = body.readUInt32BE(at);
    const len = body.readUInt32BE(at + 4);
    if (at + 8 + len > body.length) throw new RangeError('fstrm: control field runs past its frame');
    if (type === FIELD_CONTENT_TYPE) contentTypes.push(body.toString('utf8', at + 8, at + 8 + len));
    at += 8 + len;
  }
  return { kind: 'control', type: body.readUInt32BE(0), contentTypes };
}

/** Waits for the next control frame of `type` from the reader, at most `timeoutMs`. */
export function awaitControl(socket: Socket, type: number, timeoutMs: number): Promise<Frame> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    const done = (error: Error | null, frame?: Frame) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(frame as Frame);
    };
    const onClose = () => done(new Error('fstrm: reader closed the connection'));
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      try {
        const { frames } = readFrames(pending);
        const frame = frames[0];
        if (!frame) return;
        if (frame.kind !== 'control' || frame.type !== type) {
          return done(new Error(`fstrm: expected control frame ${type}, got ${JSON.stringify(frame)}`));
        }
        done(null, frame);
      } catch (e) {
        done(e as Error);
      }
    };
    const timer = setTimeout(
      () => done(new Error(`fstrm: no control frame ${type} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** The writer's handshake: READY → ACCEPT (must list `contentType`) → START. */
export async function writerHandshake(socket: Socket, contentType: string, timeoutMs = 5000): Promise<void> {
  const accepted = awaitControl(socket, CONTROL.ACCEPT, timeoutMs);
  socket.write(controlFrame(CONTROL.READY, [contentType]));
  const accept = await accepted;
  if (
    accept.kind === 'control' &&
    accept.contentTypes.length > 0 &&
    !accept.contentTypes.includes(contentType)
  ) {
    throw new Error(`fstrm: reader accepts ${accept.contentTypes.join(', ')}, not ${contentType}`);
  }
  socket.write(controlFrame(CONTROL.START, [contentType]));
}

/** The writer's goodbye: STOP, then wait (briefly) for the reader's FINISH. */
export async function writerStop(socket: Socket, timeoutMs = 1000): Promise<void> {
  const finished = awaitControl(socket, CONTROL.FINISH, timeoutMs);
  socket.write(controlFrame(CONTROL.STOP));
  await finished;
}
