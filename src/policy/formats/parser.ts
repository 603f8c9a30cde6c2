/**
 * The contract between the line reader and each format: one call per line, in order,
 * then `finish` once (for formats whose lines refer to each other, such as `$badfilter`).
 */
import type { ListCollector } from './collector.js';

/** A stateful parser for one import of one list. */
export interface LineParser {
  /** Parses one line (without its line ending) into the collector: exactly one outcome per entry. */
  line(text: string, c: ListCollector): void;
  /** Called once after the last line. */
  finish?(c: ListCollector): void;
}
