import { fromSentences } from './format.js';
import type { Dataset } from './types.js';

/** The sentences of the paper's running example (Examples 1–2). */
export const SVOP_SENTENCES: readonly (readonly string[])[] = [
  ['S', 'V', 'O', 'P'],
  ['V', 'O', 'P'],
  ['O', 'P', 'P'],
  ['P', 'S', 'V'],
];

/**
 * The paper's SVOP example: vocabulary S, V, O, P and sentences SVOP, VOP, OPP, PSV.
 * Their prefixes already contain the four length-1 samples S→V, V→O, O→P, P→S, so the
 * collocation needs no extra samples; the result is 9 distinct samples, each with count 1.
 */
export function svopExample(): Dataset {
  return fromSentences(['S', 'V', 'O', 'P'], SVOP_SENTENCES);
}
