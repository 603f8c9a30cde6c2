/**
 * The spool's on-disk framing: one frame per batch, one cursor file per spool directory.
 *
 *   frame  = u32le payload length | u32le CRC-32 (zlib) of the payload | payload
 *   cursor = u32le segment number | u32le byte offset | u32le CRC-32 of the first 8 bytes
 *
 * A frame whose header is short, whose length runs past the end of the file, or whose checksum does
 * not match is torn (a crash mid-append) or corrupt; readers stop there and never throw for it.
 */
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';

/** Turns a batch into bytes and back; the default is JSON. */
export interface SpoolCodec<T> {
  encode(batch: readonly T[]): Uint8Array;
  decode(bytes: Buffer): T[];
}

/** The default codec: a batch as one JSON array. */
export function jsonCodec<T>(): SpoolCodec<T> {
  return {
    encode: (batch) => Buffer.from(JSON.stringify(batch)),
    decode: (bytes) => JSON.parse(bytes.toString('utf8')) as T[],
  };
}

/** Bytes before each payload. */
export const FRAME_HEADER_BYTES = 8;
const CURSOR_BYTES = 12;

/** Frames one payload: header and payload in one buffer, so it is written with one write(2). */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** Reads exactly `length` bytes at `position`, or returns null when the file ends first. */
export function readExact(fd: number, length: number, position: number): Buffer | null {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) return null;
    got += n;
  }
  return buf;
}

/**
 * Reads the frame at `offset` of a file of `size` bytes: its payload, or null when the frame is
 * torn or corrupt. `frameBytes` is the whole frame's size.
 */
export function readFrame(
  fd: number,
  offset: number,
  size: number,
): { payload: Buffer; frameBytes: number } | null {
  if (size - offset < FRAME_HEADER_BYTES) return null;
  const header = readExact(fd, FRAME_HEADER_BYTES, offset);
  if (header === null) return null;
  const length = header.readUInt32LE(0);
  if (length > size - offset - FRAME_HEADER_BYTES) return null;
  const payload = readExact(fd, length, offset + FRAME_HEADER_BYTES);
  if (payload === null || crc32(payload) !== header.readUInt32LE(4)) return null;
  return { payload, frameBytes: FRAME_HEADER_BYTES + length };
}

/** The offset just past the last whole, valid frame of a file of `size` bytes, scanning from `from`. */
export function validEnd(fd: number, from: number, size: number): number {
  let offset = from;
  while (offset < size) {
    const frame = readFrame(fd, offset, size);
    if (frame === null) break;
    offset += frame.frameBytes;
  }
  return offset;
}

/** Truncates the file at `path` (of `size` bytes) after its last valid frame from `from`; returns the new size. */
export function cutTorn(path: string, from: number, size: number): number {
  const fd = openSync(path, 'r+');
  try {
    const end = validEnd(fd, from, size);
    if (end < size) ftruncateSync(fd, end);
    return end;
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `buf` at the file's current position (write(2) may write less than asked). */
export function writeAll(fd: number, buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

/** Encodes the read position. */
export function encodeCursor(segment: number, offset: number): Buffer {
  const buf = Buffer.allocUnsafe(CURSOR_BYTES);
  buf.writeUInt32LE(segment, 0);
  buf.writeUInt32LE(offset, 4);
  buf.writeUInt32LE(crc32(buf.subarray(0, 8)), 8);
  return buf;
}

/** Decodes a cursor file's bytes, or null when they are short or fail their checksum. */
export function decodeCursor(buf: Buffer): { segment: number; offset: number } | null {
  if (buf.length < CURSOR_BYTES || crc32(buf.subarray(0, 8)) !== buf.readUInt32LE(8)) return null;
  return { segment: buf.readUInt32LE(0), offset: buf.readUInt32LE(4) };
}
