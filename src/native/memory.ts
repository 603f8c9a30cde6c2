/**
 * Giving the C heap's free pages back: malloc_trim(0) on libuv's thread pool (native/memory.c says
 * what glibc keeps and why the trim runs off the calling thread).
 */
import { nativeAddon, nativeUnavailable } from './index.js';

/** native/memory.c. */
export interface MemoryPart {
  /** malloc_trim(0) on the thread pool; `done` gets whether pages went back and how long it took. */
  trimMemory(done: (released: boolean, micros: number) => void): void;
}

/** `MemoryPart.trimMemory`, or null without the addon (`trimUnavailable` says why). */
export function trimmer(): MemoryPart['trimMemory'] | null {
  return nativeAddon()?.trimMemory ?? null;
}

/** Why `trimmer()` is null. */
export function trimUnavailable(): string {
  return nativeAddon() === null
    ? nativeUnavailable()
    : 'the built addon predates trimMemory: run npm install';
}
