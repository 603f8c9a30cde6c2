/**
 * The order form's destination-class picker: `class:international` / `class:domestic` targets
 * (docs/policy.md, "Destination classes"). The targets text stays the one source of truth: the
 * picker shows which class line it holds and rewrites that line, so typing one works the same.
 */
import { Choice } from '../ui/field';

// A plain class line; an exception (`@@class:…`) is left as typed.
const CLASS_LINE = /^class:/i;

/** The class a targets text names (its first `class:` line), or '' for none. */
function classOf(targets: string): string {
  const line = targets.split(/\r?\n/).find((l) => CLASS_LINE.test(l.trim()));
  return line ? line.trim().slice(6).split('$')[0].toLowerCase() : '';
}

/** The targets text with its class lines replaced by `class:CLS` (none when CLS is ''). */
function withClass(targets: string, cls: string): string {
  const kept = targets.split(/\r?\n/).filter((l) => !CLASS_LINE.test(l.trim()));
  while (kept.length > 0 && kept[kept.length - 1].trim() === '') kept.pop();
  return [...kept, ...(cls === '' ? [] : [`class:${cls}`])].join('\n');
}

/** A select that adds, changes or removes the order's destination-class target. */
export function ClassChoice({
  targets,
  action,
  onChange,
}: {
  targets: string;
  action: string;
  onChange: (targets: string) => void;
}) {
  // safe-search rewrites names at DNS, where a destination has no class yet: the server refuses it.
  const usable = action === 'block' || action === 'throttle' || action === 'allow';
  return (
    <Choice
      label="Destination class"
      name="destinationClass"
      value={classOf(targets)}
      onChange={(cls) => onChange(withClass(targets, cls))}
      options={[
        ['', 'none (only the targets below)'],
        ['international', 'international: every address outside the domestic prefixes'],
        ['domestic', 'domestic: every address inside the domestic prefixes'],
      ]}
      hint={
        usable
          ? 'Judged by the proxy on the address it connects to, never at DNS. Needs proxy.domesticPrefixes configured.'
          : 'Only block, throttle and allow orders can target a destination class.'
      }
    />
  );
}
