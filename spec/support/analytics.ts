// A recording wrapper around the REAL local Analytics Engine binding (CONVENTIONS 13): every write
// goes to the binding and is kept for the spec to read; `failing` makes writes throw instead.

export interface RecordingDataset {
  dataset: AnalyticsEngineDataset;
  /** Every data point the binding accepted, in order. */
  points: AnalyticsEngineDataPoint[];
  /** While true, writeDataPoint throws (and nothing reaches the binding). */
  failing: boolean;
}

/** Wraps a real ANALYTICS binding. */
export function recordingDataset(real: AnalyticsEngineDataset): RecordingDataset {
  const state: RecordingDataset = {
    points: [],
    failing: false,
    dataset: {
      writeDataPoint(point?: AnalyticsEngineDataPoint) {
        if (state.failing) throw new Error('injected analytics fault');
        real.writeDataPoint(point);
        if (point) state.points.push(point);
      },
    },
  };
  return state;
}
