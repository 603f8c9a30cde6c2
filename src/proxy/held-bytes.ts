/**
 * Client bytes an HTTP session holds back: read while a request is being judged (its body, or
 * the next request) or while a response is still going out (a pipelined request, RFC 9112 §9.3.2).
 */

/** Chunks held in arrival order, and their total size. */
export class HeldBytes {
  #chunks: Buffer[] = [];
  #bytes = 0;

  /** Holds `chunk`; returns the bytes held now. */
  push(chunk: Buffer): number {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    return this.#bytes;
  }

  /** Everything held, `first` (when not empty) before it; nothing is held afterwards. */
  take(first: Buffer): Buffer[] {
    const chunks = first.length > 0 ? [first, ...this.#chunks] : this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    return chunks;
  }
}
