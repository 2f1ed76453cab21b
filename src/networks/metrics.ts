/** The numbers a practical trial reports: accuracy, attack success rate, and how well corruption was detected. */

/** Share (percent) of predictions equal to the labels. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new RangeError(`${predicted.length} predictions for ${labels.length} labels`);
  if (labels.length === 0) throw new RangeError('accuracy of an empty set');
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return (100 * correct) / labels.length;
}

/**
 * Attack success rate (percent): among triggered images whose true label is not the target, the share classified
 * as the target. Images of the target class are left out: calling them "target" is no success of the attack.
 */
export function attackSuccessRate(predictedOnTriggered: ArrayLike<number>, trueLabels: ArrayLike<number>, target: number): number {
  if (predictedOnTriggered.length !== trueLabels.length) throw new RangeError(`${predictedOnTriggered.length} predictions for ${trueLabels.length} labels`);
  let eligible = 0;
  let hits = 0;
  for (let i = 0; i < trueLabels.length; i++) {
    if (trueLabels[i] === target) continue;
    eligible++;
    if (predictedOnTriggered[i] === target) hits++;
  }
  if (eligible === 0) throw new RangeError(`no test image outside the target class ${target}`);
  return (100 * hits) / eligible;
}

export interface Detection {
  readonly flagged: number;
  /** Flagged coordinates that were corrupted / all flagged; null when nothing was flagged. */
  readonly precision: number | null;
  /** Corrupted coordinates that were flagged / all corrupted; null when nothing was corrupted. */
  readonly recall: number | null;
}

/** Precision and recall of `flagged` (a 0/1 mask over all coordinates) against the truly corrupted indices. */
export function detection(flagged: Uint8Array, corrupted: ArrayLike<number>): Detection {
  let count = 0;
  for (const f of flagged) count += f;
  let hits = 0;
  for (let t = 0; t < corrupted.length; t++) hits += flagged[corrupted[t]];
  return {
    flagged: count,
    precision: count > 0 ? hits / count : null,
    recall: corrupted.length > 0 ? hits / corrupted.length : null,
  };
}
