// Pure parsing of ACE answers: JSON bodies to typed shapes, sample values to finite numbers,
// naive microsecond timestamps (UTC) to epoch ms, and per-point series filtered to [start, end),
// sorted and de-duplicated: of the samples ACE sends for one (point, time) the first finite one
// is kept (docs/RELIABILITY.md, Data semantics). Owns no I/O and no policy; the client decides
// what to fetch.
import { type AppError, err, ok, type Result } from '../errors.ts';
import { createNameIndex, type NameIndex } from './name-index.ts';
import { parseAceTime, parseAceValue } from './sample-fields.ts';
import { ScannedBody, ScannedSamples, scanSamplesText } from './samples-text.ts';

export { parseAceTime, parseAceValue };

/** One point's samples: parallel arrays of epoch ms (ascending, unique) and finite values. */
export interface PointSeries {
  point: string;
  t: number[];
  v: number[];
}

/**
 * A page of samples as ACE sent it: entries are validated one by one while accumulating. Read from
 * its text in place (columns), or, when the reader gave up on the text, JSON.parse's entries.
 */
export interface SamplesPage {
  samples: readonly unknown[] | ScannedSamples;
  /** The paginated endpoint's cursor; null at the end, undefined when ACE sent none (get_timeseries). */
  nextCursor: string | null | undefined;
}

/** ACE's `bacnet_data`, keeping only the fields this service reads, each checked for type. */
export interface AceBacnetInfo {
  device_name?: string;
  device_id?: number;
  object_name?: string;
  object_type?: string;
  object_units?: string;
}

/** A configured point as the catalogue needs it; missing or mistyped fields are defaulted. */
export interface AcePointInfo {
  name: string;
  collect_interval: number | null;
  collect_enabled: boolean;
  bacnet_data: AceBacnetInfo | null;
  /** String kv tags; real sites send a list of one-key maps, merged here (the first value of a key wins). */
  kv_tags: Record<string, string>;
  /** The string marker tags, in ACE's order (real sites put a room or role in them). */
  marker_tags: string[];
}

/** One page of `configured_points`. */
export interface ConfiguredPointsPage {
  items: AcePointInfo[];
  /** How many entries ACE listed (parsed or not): a page shorter than per_page is the last. */
  listed: number;
  /** Entries without a usable name, skipped rather than failing the whole listing. */
  skipped: number;
  perPage: number | undefined;
}

/** The site as `GET /sites/{site}` describes it (only what is used). */
export interface AceSiteInfo {
  name: string;
  timezone?: string;
  description?: string;
}

const malformed = (what: string): AppError => ({
  kind: 'upstream_error',
  message: `malformed ACE response: ${what}`,
});

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a body's text as JSON; a truncated or non-JSON body is an upstream_error, never garbage. */
export function parseJsonText(text: string): Result<unknown> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err(malformed('not JSON (truncated?)'));
  }
}

/**
 * A timeseries body's text: read in place when samples-text.ts can (a ScannedBody), else as JSON
 * (what parseJsonText gives, errors included). parseSamplesBody takes either.
 */
export function decodeSamplesText(text: string): Result<unknown> {
  const scanned = scanSamplesText(text);
  return scanned ? ok(scanned) : parseJsonText(text);
}

/** Checks a timeseries body (`{point_samples, next_cursor?}`) without looking inside the samples. */
export function parseSamplesBody(body: unknown): Result<SamplesPage> {
  if (body instanceof ScannedBody) return ok({ samples: body.samples, nextCursor: body.nextCursor });
  if (!isRecord(body)) return err(malformed('expected an object'));
  const samples = body.point_samples;
  if (!Array.isArray(samples)) return err(malformed('point_samples is not a list'));
  const cursor = body.next_cursor;
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') {
    return err(malformed('next_cursor is not a string'));
  }
  // An empty-string cursor cannot be followed; ACE means "no more".
  return ok({ samples, nextCursor: cursor === '' ? null : cursor });
}

/** Counts of what one `add` kept and dropped. */
export interface AddCounts {
  kept: number;
  dropped: number;
}

/** Collects samples of the requested points across pages; `finish` sorts and de-duplicates. */
export interface SeriesAccumulator {
  /** Adds a page's entries; entries of points not requested or outside the window are ignored. */
  add(samples: SamplesPage['samples']): AddCounts;
  /** Every kept sample per requested point, in request order, sorted and de-duplicated. */
  finish(): { series: PointSeries[]; dropped: number };
}

/**
 * Creates an accumulator for `points` over [startMs, endMs). Entries whose value or time does
 * not parse are dropped and counted; so are entries that are not `{name, value, time}` at all.
 */
export function createSeriesAccumulator(
  points: readonly string[],
  startMs: number,
  endMs: number,
): SeriesAccumulator {
  const order: PointSeries[] = [];
  const listed = new Set<string>();
  for (const point of points) {
    if (listed.has(point)) continue;
    listed.add(point);
    order.push({ point, t: doubles(), v: doubles() });
  }
  const byName = createNameIndex(order.map((s) => [s.point, s] as const));
  let dropped = 0;
  return {
    add(samples) {
      const seriesOf = samples instanceof ScannedSamples ? samples.names.map((n) => byName.get(n)) : [];
      let kept = 0;
      let pageDropped = 0;
      for (let from = 0; from < samples.length; from += CHUNK) {
        const to = Math.min(samples.length, from + CHUNK);
        const counts =
          samples instanceof ScannedSamples
            ? addColumns(samples, seriesOf, from, to, startMs, endMs)
            : addRange(samples, from, to, byName, startMs, endMs);
        kept += counts.kept;
        pageDropped += counts.dropped;
      }
      dropped += pageDropped;
      return { kept, dropped: pageDropped };
    },
    finish() {
      return { series: order.map(sortUnique), dropped };
    },
  };
}

/**
 * An empty array already of doubles: times and values pushed into it never change its kind, so
 * the page loop's `push` sees one kind of array and is inlined (a `[]` starts as small integers).
 */
function doubles(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

/**
 * Entries a page loop call takes: the loop is a plain function called many times per page, so V8
 * optimises it once for all requests (a loop run once per page would be recompiled for each).
 */
const CHUNK = 1024;

/** Adds `samples[from, to)` to the series `byName` finds; what `add` does, for one chunk. */
function addRange(
  samples: readonly unknown[],
  from: number,
  to: number,
  byName: NameIndex<PointSeries>,
  startMs: number,
  endMs: number,
): AddCounts {
  let kept = 0;
  let pageDropped = 0;
  for (let i = from; i < to; i++) {
    const entry = samples[i];
    if (!isRecord(entry)) {
      pageDropped++;
      continue;
    }
    const name = entry.name;
    if (typeof name !== 'string') {
      pageDropped++;
      continue;
    }
    const series = byName.get(name);
    if (!series) continue; // another point of the site: the paginated endpoint ignores filters
    const t = parseAceTime(entry.time);
    if (t === null) {
      pageDropped++;
      continue;
    }
    if (t < startMs || t >= endMs) continue;
    const v = parseAceValue(entry.value);
    if (v === null) {
      pageDropped++;
      continue;
    }
    series.t.push(t);
    series.v.push(v);
    kept++;
  }
  return { kept, dropped: pageDropped };
}

/**
 * What addRange does, for entries read from the text (samples-text.ts): `seriesOf` holds the
 * series of each of the page's names (undefined for names not requested), NaN an unreadable field.
 */
function addColumns(
  samples: ScannedSamples,
  seriesOf: readonly (PointSeries | undefined)[],
  from: number,
  to: number,
  startMs: number,
  endMs: number,
): AddCounts {
  const { nameAt, t: times, v: values } = samples;
  let kept = 0;
  let pageDropped = 0;
  for (let i = from; i < to; i++) {
    const id = nameAt[i] as number;
    if (id < 0) {
      pageDropped++;
      continue;
    }
    const series = seriesOf[id];
    if (series === undefined) continue;
    const t = times[i] as number;
    if (Number.isNaN(t)) {
      pageDropped++;
      continue;
    }
    if (t < startMs || t >= endMs) continue;
    const v = values[i] as number;
    if (Number.isNaN(v)) {
      pageDropped++;
      continue;
    }
    series.t.push(t);
    series.v.push(v);
    kept++;
  }
  return { kept, dropped: pageDropped };
}

/**
 * Sorts a series by time and keeps the first sample of each time (ACE's page order). Already
 * ascending, the common case (ACE answers in time order), it is returned as it is; ascending with
 * repeated times, it is de-duplicated in one pass; only out-of-order input is sorted.
 */
export function sortUnique(series: PointSeries): PointSeries {
  const { t, v } = series;
  let repeats = false;
  for (let i = 1; i < t.length; i++) {
    const step = (t[i] as number) - (t[i - 1] as number);
    if (step < 0) return sortedUnique(series);
    if (step === 0) repeats = true;
  }
  if (!repeats) return series;
  const outT: number[] = [];
  const outV: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const ti = t[i] as number;
    if (i > 0 && ti === t[i - 1]) continue;
    outT.push(ti);
    outV.push(v[i] as number);
  }
  return { point: series.point, t: outT, v: outV };
}

function sortedUnique(series: PointSeries): PointSeries {
  const { t, v } = series;
  const idx = t.map((_, i) => i);
  // Stable sort keeps page order among equal times, so "first wins" is deterministic.
  idx.sort((a, b) => (t[a] ?? 0) - (t[b] ?? 0));
  const outT: number[] = [];
  const outV: number[] = [];
  for (const i of idx) {
    const ti = t[i] ?? 0;
    if (outT.length > 0 && outT[outT.length - 1] === ti) continue;
    outT.push(ti);
    outV.push(v[i] ?? 0);
  }
  return { point: series.point, t: outT, v: outV };
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function parseBacnet(raw: unknown): AceBacnetInfo | null {
  if (!isRecord(raw)) return null;
  const out: AceBacnetInfo = {};
  const deviceName = optionalString(raw.device_name);
  const objectName = optionalString(raw.object_name);
  const objectType = optionalString(raw.object_type);
  const objectUnits = optionalString(raw.object_units);
  if (deviceName) out.device_name = deviceName;
  if (objectName) out.object_name = objectName;
  if (objectType) out.object_type = objectType;
  if (objectUnits) out.object_units = objectUnits;
  if (typeof raw.device_id === 'number' && Number.isSafeInteger(raw.device_id)) out.device_id = raw.device_id;
  return out;
}

function parseKvTags(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  // A map (`{"equip": "vav"}`) or, as real sites send them, a list of maps (`[{"jace_object_name": ...}]`).
  for (const map of Array.isArray(raw) ? raw : [raw]) {
    if (!isRecord(map)) continue;
    for (const [k, v] of Object.entries(map)) if (typeof v === 'string' && !Object.hasOwn(out, k)) out[k] = v;
  }
  return out;
}

function parseMarkerTags(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.filter((t): t is string => typeof t === 'string') : [];
}

/** One configured-points entry, or null when it has no usable name. */
export function parsePointInfo(raw: unknown): AcePointInfo | null {
  if (!isRecord(raw)) return null;
  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (name === '') return null;
  const interval = raw.collect_interval;
  return {
    name,
    collect_interval:
      typeof interval === 'number' && Number.isFinite(interval) && interval > 0 ? interval : null,
    // Absent means unknown: the catalogue does not claim collection without ACE saying so.
    collect_enabled: raw.collect_enabled === true,
    bacnet_data: parseBacnet(raw.bacnet_data),
    kv_tags: parseKvTags(raw.kv_tags),
    marker_tags: parseMarkerTags(raw.marker_tags),
  };
}

/** Parses a `configured_points` page, tolerating missing fields item by item. */
export function parseConfiguredPointsBody(body: unknown): Result<ConfiguredPointsPage> {
  if (!isRecord(body)) return err(malformed('expected an object'));
  if (!Array.isArray(body.items)) return err(malformed('items is not a list'));
  const items: AcePointInfo[] = [];
  let skipped = 0;
  for (const raw of body.items) {
    const p = parsePointInfo(raw);
    if (p) items.push(p);
    else skipped++;
  }
  const perPage =
    typeof body.per_page === 'number' && Number.isSafeInteger(body.per_page) && body.per_page > 0
      ? body.per_page
      : undefined;
  return ok({ items, listed: body.items.length, skipped, perPage });
}

/** Parses `GET /sites/{site}`. */
export function parseSiteBody(body: unknown, site: string): Result<AceSiteInfo> {
  if (!isRecord(body)) return err(malformed('expected an object'));
  const out: AceSiteInfo = { name: typeof body.name === 'string' ? body.name : site };
  const timezone = optionalString(body.timezone);
  const description = optionalString(body.description);
  if (timezone) out.timezone = timezone;
  if (description) out.description = description;
  return ok(out);
}
