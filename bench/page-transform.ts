// `node --expose-gc bench/page-transform.ts [runs] [page,…]`: the gated ACE page ratio of the
// hot-paths suite (transform / JSON.parse of one 100k-sample page, `pairedRatio` in thread CPU
// time) on the suite's page and its variants (bench/page-variants.ts), `runs` times each in one
// process, with the min / median / max per page: quicker than `npm run bench` when working on
// src/ace/parse.ts.
import { PAGE_VARIANTS, pageRatio, variantPages } from './page-variants.ts';

const runs = Number(process.argv[2] ?? 5);
const pages = variantPages((process.argv[3] ?? Object.keys(PAGE_VARIANTS).join(',')).split(','));
for (const [name, page] of pages) {
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    ratios.push(pageRatio(page));
    console.log(`${name} run ${i + 1}: ${ratios[i]?.toFixed(3)}×`);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `${name}: ${runs} runs, ${(page.text.length / 1e6).toFixed(1)} MB: min ${sorted[0]?.toFixed(3)}, median ${sorted[Math.floor(runs / 2)]?.toFixed(3)}, max ${sorted[runs - 1]?.toFixed(3)}`,
  );
}
