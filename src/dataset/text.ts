/**
 * Datasets from real text as sliding windows: every token of a text is the next token of the
 * sample whose context is the ≤ H tokens before it (fewer at the start of a text). Windows that
 * repeat are one sample with their count. Text may arrive in pieces (a file larger than a JS
 * string is read in chunks): a token is never cut at a piece's boundary.
 */
import { NtpError } from '../errors.js';
import { SampleIndex } from './sample-index.js';
import type { Dataset, Sample } from './types.js';

/** Options of {@link fromText}'s windowed form and of `ntp text`. */
export interface TextOptions {
  /** `word` (default): whitespace-separated words; `char`: characters, words joined by one space. */
  tokens?: 'word' | 'char';
  /** H, the most tokens of context (default 32) */
  window?: number;
  /** lower-case every token (default false) */
  lowercase?: boolean;
  /** tokens seen fewer times become {@link UNK} (default 1: none) */
  minCount?: number;
  /** the most tokens the vocabulary keeps, {@link UNK} included; the rarest others become UNK */
  maxVocab?: number;
  /** words are `word/tag` (the Brown corpus's tagged files): the tag after the last `/` is dropped */
  tagged?: boolean;
}

/** The token rare words are mapped to. */
export const UNK = '<unk>';

/** Context ids a windowed dataset may hold (about 200 MB of JS arrays). */
export const MAX_WINDOW_CONTEXT_IDS = 50_000_000;

function fail(message: string): never {
  throw new NtpError('invalid-option', message);
}

/** Checked options with their defaults. */
export function resolveTextOptions(o: TextOptions): Required<Omit<TextOptions, 'maxVocab'>> & { maxVocab: number } {
  if (typeof o !== 'object' || o === null) fail('the text options must be an object');
  const tokens = o.tokens ?? 'word';
  if (tokens !== 'word' && tokens !== 'char') fail(`option tokens must be "word" or "char", got ${JSON.stringify(tokens)}`);
  const window = o.window ?? 32;
  if (!Number.isInteger(window) || window < 1 || window > 4096) fail(`option window (H, the context length) must be an integer in [1, 4096], got ${String(window)}`);
  const minCount = o.minCount ?? 1;
  if (!Number.isSafeInteger(minCount) || minCount < 1) fail(`option minCount must be a positive integer, got ${String(minCount)}`);
  const maxVocab = o.maxVocab ?? Infinity;
  if (maxVocab !== Infinity && (!Number.isSafeInteger(maxVocab) || maxVocab < 2)) fail(`option maxVocab must be an integer ≥ 2, got ${String(maxVocab)}`);
  return { tokens, window, lowercase: o.lowercase ?? false, minCount, maxVocab, tagged: o.tagged ?? false };
}

/** Splits text given in pieces into tokens (words, or characters with one space between words). */
export class TextTokenizer {
  private carry = '';
  private started = false;

  constructor(private readonly mode: 'word' | 'char', private readonly lowercase: boolean, private readonly tagged: boolean) {}

  /** The tokens of the next piece; a word running past its end waits for the next piece. */
  push(piece: string, emit: (token: string) => void): void {
    const text = this.carry + piece;
    const words = text.split(/\s+/);
    // the last part may continue in the next piece unless the piece ends in whitespace
    this.carry = words.pop() ?? '';
    for (const w of words) this.word(w, emit);
  }

  /** The end of a text: its last word. */
  end(emit: (token: string) => void): void {
    this.word(this.carry, emit);
    this.carry = '';
    this.started = false;
  }

  private word(raw: string, emit: (token: string) => void): void {
    let w = raw;
    if (this.tagged) {
      const slash = w.lastIndexOf('/');
      if (slash > 0) w = w.slice(0, slash);
    }
    if (w.length === 0) return;
    if (this.lowercase) w = w.toLowerCase();
    if (this.mode === 'word') {
      emit(w);
      return;
    }
    if (this.started) emit(' ');
    this.started = true;
    for (const ch of w) emit(ch);
  }
}

/** Token counts in order of first appearance. */
export class TokenCounter {
  readonly counts = new Map<string, number>();
  add = (token: string): void => {
    this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
  };
}

/**
 * The vocabulary: tokens seen at least minCount times, at most maxVocab of them counting UNK
 * (the most frequent kept, ties to the first seen), in order of first appearance, UNK last when
 * anything maps to it. Returns the vocabulary and each token's id (UNK's for the dropped).
 */
export function chooseVocabulary(counts: Map<string, number>, minCount: number, maxVocab: number): { vocab: string[]; idOf: (token: string) => number } {
  const order = [...counts.keys()];
  let kept = order.filter((t) => (counts.get(t) ?? 0) >= minCount && t !== UNK);
  const dropsAny = kept.length < order.length;
  if (kept.length + (dropsAny ? 1 : 0) > maxVocab) {
    const rank = new Map(order.map((t, i) => [t, i]));
    const keep = new Set(
      [...kept].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0)).slice(0, maxVocab - 1),
    );
    kept = kept.filter((t) => keep.has(t));
  }
  const unk = kept.length < order.length;
  const vocab = unk ? [...kept, UNK] : kept;
  const ids = new Map(vocab.map((t, i) => [t, i]));
  const unkId = unk ? vocab.length - 1 : -1;
  return { vocab, idOf: (t) => ids.get(t) ?? unkId };
}

/** Samples of sliding windows over streams of token ids, each distinct window once with its count. */
export class WindowBuilder {
  readonly samples: Sample[] = [];
  readonly counts: number[] = [];
  private readonly index = new SampleIndex(this.samples);
  private readonly recent: number[] = [];
  private totalIds = 0;

  constructor(readonly vocab: string[], private readonly H: number) {}

  /** The next token of the current text: the sample (the ≤ H tokens before it, it). */
  token = (id: number): void => {
    const recent = this.recent;
    if (recent.length > 0) {
      const at = this.index.find(recent, id);
      if (at >= 0) this.counts[at]++;
      else {
        this.totalIds += recent.length;
        if (this.totalIds > MAX_WINDOW_CONTEXT_IDS) {
          fail(`the windows would hold more than ${MAX_WINDOW_CONTEXT_IDS} context tokens in total (${this.samples.length} distinct windows so far): use a smaller window or less text`);
        }
        this.samples.push({ context: recent.slice(), next: id });
        this.counts.push(1);
        this.index.add(this.samples.length - 1);
      }
    }
    recent.push(id);
    if (recent.length > this.H) recent.shift();
  };

  /** The end of a text: the next text's windows start afresh. */
  endText(): void {
    this.recent.length = 0;
  }

  build(): Dataset {
    if (this.samples.length === 0) throw new NtpError('invalid-dataset', 'the text has fewer than 2 tokens: no window to learn from');
    return { vocab: this.vocab, samples: this.samples, counts: this.counts };
  }
}

/** The windowed dataset of texts held in memory (see {@link TextOptions}). */
export function windowsFromTexts(texts: readonly string[], options: TextOptions): Dataset {
  const o = resolveTextOptions(options);
  const tokenizer = () => new TextTokenizer(o.tokens, o.lowercase, o.tagged);
  const counter = new TokenCounter();
  for (const text of texts) {
    const t = tokenizer();
    t.push(text, counter.add);
    t.end(counter.add);
  }
  const { vocab, idOf } = chooseVocabulary(counter.counts, o.minCount, o.maxVocab);
  const b = new WindowBuilder(vocab, o.window);
  const emit = (token: string) => b.token(idOf(token));
  for (const text of texts) {
    const t = tokenizer();
    t.push(text, emit);
    t.end(emit);
    b.endText();
  }
  return b.build();
}
