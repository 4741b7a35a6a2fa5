/**
 * The built-in `text` processor: each chunk's `text` is scored offline with `sentiment`
 * (AFINN-165 word list), the score normalised to −1..1 as `tanh(AFINN sum / 5)` (one strongly
 * positive word ≈ 0.76), labelled `positive` (> 0.05), `negative` (< −0.05) or `neutral`.
 * Running totals: chunks, words, characters, mean/min/max score, label counts.
 */
import { HeraldError } from "@herald/protocol";
import Sentiment from "sentiment";
import type { ChunkOutcome, StreamProcessor } from "../processor.js";

const analyzer = new Sentiment();

export type SentimentLabel = "positive" | "negative" | "neutral";

/** Scores a text: normalised score in −1..1 and its label. */
export function scoreText(text: string): { score: number; label: SentimentLabel; words: number } {
  const r = analyzer.analyze(text);
  const score = Math.tanh(r.score / 5);
  const label: SentimentLabel = score > 0.05 ? "positive" : score < -0.05 ? "negative" : "neutral";
  return { score, label, words: r.tokens.length };
}

export interface TextState {
  chunks: number;
  words: number;
  characters: number;
  scoreSum: number;
  min: number | null;
  max: number | null;
  labels: Record<SentimentLabel, number>;
}

function summary(s: TextState) {
  return {
    chunks: s.chunks,
    words: s.words,
    characters: s.characters,
    sentiment: {
      mean: s.chunks > 0 ? s.scoreSum / s.chunks : null,
      min: s.min,
      max: s.max,
      label:
        s.chunks === 0
          ? "neutral"
          : s.scoreSum / s.chunks > 0.05
            ? "positive"
            : s.scoreSum / s.chunks < -0.05
              ? "negative"
              : "neutral",
    },
    labels: s.labels,
  };
}

export const textProcessor: StreamProcessor<TextState> = {
  name: "text",
  init: () => ({
    chunks: 0,
    words: 0,
    characters: 0,
    scoreSum: 0,
    min: null,
    max: null,
    labels: { positive: 0, negative: 0, neutral: 0 },
  }),
  process(state, chunk): ChunkOutcome<TextState> {
    const text = chunk.text;
    if (typeof text !== "string") throw new HeraldError("bad_request", 'a text chunk needs a "text" string');
    const { score, label, words } = scoreText(text);
    const next: TextState = {
      chunks: state.chunks + 1,
      words: state.words + words,
      characters: state.characters + text.length,
      scoreSum: state.scoreSum + score,
      min: state.min === null ? score : Math.min(state.min, score),
      max: state.max === null ? score : Math.max(state.max, score),
      labels: { ...state.labels, [label]: state.labels[label] + 1 },
    };
    return { result: { sentiment: { score, label }, words, totals: summary(next) }, state: next };
  },
  finish: (state) => summary(state),
};
