/** Stable React keys for read-only lists of texts that may repeat: the text and its occurrence number. */
export function keyed(texts: readonly string[]): [key: string, text: string][] {
  const seen = new Map<string, number>();
  return texts.map((t) => {
    const n = (seen.get(t) ?? 0) + 1;
    seen.set(t, n);
    return [`${t}#${n}`, t];
  });
}
