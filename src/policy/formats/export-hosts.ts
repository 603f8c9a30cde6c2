/**
 * hosts export: `0.0.0.0 name` for each exact block rule. hosts(5) has no wildcards,
 * no exceptions, no addresses to block and no URLs, so every other rule is omitted.
 */
import type { Rule } from '../model.js';
import { type ExportOptions, type ExportTally, exportHeader } from './export-options.js';

/** Lines of a hosts file for `rules`. */
export function* hostsLines(rules: Iterable<Rule>, t: ExportTally, opts: ExportOptions): Generator<string> {
  yield* exportHeader('#', 'hosts', opts);
  for (const r of rules) {
    if (r.allow) t.omit('hosts: no exceptions');
    else if (r.kind !== 'exact') t.omit(`hosts: no ${r.kind} rules`);
    else {
      if (r.important) t.degrade('$important dropped');
      if (r.answer) t.degrade('dns answer dropped');
      t.written++;
      yield `0.0.0.0 ${r.value}`;
    }
  }
}
