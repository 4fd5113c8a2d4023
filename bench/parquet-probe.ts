// Would a Parquet download be affordable? (issue 15: "Parquet too if a pure-JS writer runs in
// workerd and writes within 3× of CSV's CPU".) Writes one job-result frame (200 points × one day
// a minute apart: 288,000 samples, the size of a job slice) as CSV with the export code
// (src/encoding/exports.ts) and as Parquet with hyparquet-writer (MIT, pure JS, no Node APIs),
// alternately, 7 rounds, in process CPU time; prints both sizes and the Parquet/CSV CPU ratio.
// The measurement that decided to build the Parquet download (docs/PERFORMANCE.md, Parquet):
//   node bench/parquet-probe.ts
import { parquetWriteBuffer } from 'hyparquet-writer';
import { exportLines } from '../src/encoding/exports.ts';

const POINTS = 200;
const PER_POINT = 1440;
const START = Date.UTC(2026, 0, 5);
const series = Array.from({ length: POINTS }, (_, p) => {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < PER_POINT; i++) {
    t.push(START + i * 60_000 + p * 7);
    v.push(Math.round((70 + 5 * Math.sin((i + p) / 90)) * 10) / 10);
  }
  return { point: `site/ahu-${Math.floor(p / 8)}/point-${p}`, t, v };
});
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const csv = () => new TextEncoder().encode(exportLines(series, 'csv')).byteLength;
function parquet(): number {
  const point: string[] = [];
  const time: bigint[] = [];
  const value: number[] = [];
  for (const s of series) {
    for (let i = 0; i < s.t.length; i++) {
      point.push(s.point);
      time.push(BigInt(s.t[i] as number));
      value.push(s.v[i] as number);
    }
  }
  return parquetWriteBuffer({
    columnData: [
      { name: 'point', data: point, type: 'STRING' },
      { name: 'time', data: time, type: 'TIMESTAMP' },
      { name: 'value', data: value, type: 'DOUBLE' },
    ],
  }).byteLength;
}

csv();
parquet();
const ratios: number[] = [];
let sizes = { csv: 0, parquet: 0 };
for (let round = 0; round < 7; round++) {
  let at = cpuMs();
  const c = csv();
  const csvMs = cpuMs() - at;
  at = cpuMs();
  const p = parquet();
  ratios.push((cpuMs() - at) / csvMs);
  sizes = { csv: c, parquet: p };
}
ratios.sort((a, b) => a - b);
console.log(`${POINTS * PER_POINT} samples: CSV ${sizes.csv} B, Parquet ${sizes.parquet} B`);
console.log(
  `Parquet / CSV CPU over 7 rounds: min ${ratios[0]?.toFixed(2)}, median ${ratios[3]?.toFixed(2)}, max ${ratios[6]?.toFixed(2)}`,
);
