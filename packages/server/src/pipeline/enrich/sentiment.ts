/**
 * The `sentiment` enricher: offline AFINN-165 scoring (the `sentiment` library), normalised to
 * −1…1 (the average word score divided by AFINN's bound of 5) with a label: `negative` below
 * −threshold, `positive` above it, `neutral` otherwise. Writes `{score, label}` under `target`.
 */
import Sentiment from "sentiment";
import type { PublishRequest } from "../../engine/broker.js";
import { type Enricher, type Enrichment, textOf } from "./enricher.js";

export interface SentimentOptions {
  use: "sentiment";
  /** Text fields read (filter path syntax). @default ["text"] */
  fields?: string[];
  /** Field of `data` written. @default "sentiment" */
  target?: string;
  /** Normalised score beyond which a text is positive or negative. @default 0.05 */
  threshold?: number;
}

const analyzer = new Sentiment();

/** Score in −1…1 and label of a text. */
export function scoreText(text: string, threshold = 0.05): { score: number; label: string } {
  const r = analyzer.analyze(text);
  const score = Math.max(-1, Math.min(1, r.comparative / 5));
  const rounded = Math.round(score * 10_000) / 10_000;
  const label = score < -threshold ? "negative" : score > threshold ? "positive" : "neutral";
  return { score: rounded, label };
}

export class SentimentEnricher implements Enricher {
  readonly kind = "sentiment";
  private readonly fields: string[][];
  private readonly target: string;
  private readonly threshold: number;

  constructor(options: SentimentOptions) {
    this.fields = (options.fields ?? ["text"]).map((f) => f.split("."));
    this.target = options.target ?? "sentiment";
    this.threshold = options.threshold ?? 0.05;
  }

  enrich(request: PublishRequest): Enrichment | undefined {
    const texts: string[] = [];
    for (const f of this.fields) {
      const t = textOf(request, f);
      if (t !== undefined) texts.push(t);
    }
    if (texts.length === 0) return undefined;
    return { [this.target]: scoreText(texts.join("\n"), this.threshold) };
  }
}
