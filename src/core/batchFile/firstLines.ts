/**
 * The line each custom_id of a Batch input file was first used on, for
 * reporting ids used twice. A `Map` of strings held about 70 bytes per id, so
 * the ids of a few million lines took more memory than the rest of a run; here
 * the ids' bytes sit end to end in one buffer, found through a table of
 * indices, at about 25 bytes per id. An id longer than 64 characters is kept
 * as its SHA-256, as cache keys are, so long ids cost no more.
 */
import { createHash } from 'node:crypto';

const longId = 64;
/** Marks a digest: the byte 0xff never occurs in UTF-8, so no id's own bytes start with it. */
const digestMark = 0xff;
const empty = -1;

export class FirstLines {
  #bytes = Buffer.allocUnsafe(1 << 16);
  #used = 0;
  // Per id: where its bytes start (they end where the next id's start), and its line.
  #starts = new Uint32Array(1024);
  #lines = new Uint32Array(1024);
  #count = 0;
  // Open addressing: each slot holds an id's index, or `empty`; at most half are filled.
  #slots = new Int32Array(2048).fill(empty);
  readonly #key = Buffer.allocUnsafe(4 * longId);

  /** The line `id` was first used on, if it was. */
  get(id: string): number | undefined {
    const length = this.#keyOf(id);
    const found = this.#slots[this.#find(this.#key, length)] as number;
    return found === empty ? undefined : this.#lines[found];
  }

  /** Records `id` as first used on `line`; it must not be recorded yet. */
  set(id: string, line: number): void {
    const length = this.#keyOf(id);
    if (2 * (this.#count + 1) > this.#slots.length) this.#grow();
    const slot = this.#find(this.#key, length);
    if (this.#count === this.#starts.length) {
      this.#starts = copied(this.#starts, 2 * this.#count);
      this.#lines = copied(this.#lines, 2 * this.#count);
    }
    if (this.#used + length > this.#bytes.length) {
      const bytes = Buffer.allocUnsafe(Math.max(2 * this.#bytes.length, this.#used + length));
      this.#bytes.copy(bytes, 0, 0, this.#used);
      this.#bytes = bytes;
    }
    this.#key.copy(this.#bytes, this.#used, 0, length);
    this.#starts[this.#count] = this.#used;
    this.#lines[this.#count] = line;
    this.#slots[slot] = this.#count;
    this.#used += length;
    this.#count++;
  }

  /** Writes the bytes `id` is known by into `#key`; returns how many. */
  #keyOf(id: string): number {
    if (id.length <= longId) return this.#key.write(id, 0, 'utf8');
    this.#key[0] = digestMark;
    return 1 + createHash('sha256').update(id).digest().copy(this.#key, 1);
  }

  #bytesOf(index: number): Buffer {
    const end = index + 1 < this.#count ? (this.#starts[index + 1] as number) : this.#used;
    return this.#bytes.subarray(this.#starts[index], end);
  }

  /** The slot holding the id whose bytes are `key[0, length)`, else the empty slot where it belongs. */
  #find(key: Buffer, length: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = hash(key, length) & mask; ; slot = (slot + 1) & mask) {
      const index = this.#slots[slot] as number;
      if (index === empty) return slot;
      const bytes = this.#bytesOf(index);
      if (bytes.length === length && key.compare(bytes, 0, length, 0, length) === 0) return slot;
    }
  }

  #grow(): void {
    const slots = new Int32Array(2 * this.#slots.length).fill(empty);
    const mask = slots.length - 1;
    for (let index = 0; index < this.#count; index++) {
      const bytes = this.#bytesOf(index);
      let slot = hash(bytes, bytes.length) & mask;
      while (slots[slot] !== empty) slot = (slot + 1) & mask;
      slots[slot] = index;
    }
    this.#slots = slots;
  }
}

/** FNV-1a over `bytes[0, length)`. */
function hash(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

function copied(array: Uint32Array, size: number): Uint32Array<ArrayBuffer> {
  const grown = new Uint32Array(size);
  grown.set(array);
  return grown;
}
