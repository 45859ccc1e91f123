/** The reference values of scripts/fixtures/metrics_reference.py (pycocoevalcap, the Meteor jar, NLTK). */
import { readFileSync } from 'node:fs';
import type { CaptionScores } from '../../lib/eval/metrics.ts';

const dir = new URL('../fixtures/metrics/', import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

export interface FixturePair {
  id: string;
  prediction: string;
  references: string[];
}

export const PAIRS: FixturePair[] = load('pairs.json').pairs;

export const COCO: {
  scores: CaptionScores;
  perExample: Record<string, { prediction: string; references: string[]; meteorStats: string; meteor: number; rougeL: number; ciderD: number }>;
  tokenizerProbes: { text: string; tokens: string }[];
} = load('coco.json');

export const MEIT: {
  batchSize: number;
  assistantPrefix: { scores: CaptionScores; batches: CaptionScores[] };
  plain: { scores: CaptionScores; batches: CaptionScores[] };
  nltk: Record<string, { prediction: string; references: string[]; meteor: number }>;
} = load('meit.json');

export const predictionsOf = (pairs: readonly FixturePair[]) => new Map(pairs.map((p) => [p.id, p.prediction]));
export const referencesOf = (pairs: readonly FixturePair[]) => new Map(pairs.map((p) => [p.id, p.references]));
