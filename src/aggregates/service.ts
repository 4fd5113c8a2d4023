// The aggregates read path: proves the caller may read the site (the shared site-access gate)
// and that every point asked for is one of the site's (its catalogue), exactly as the timeseries
// read path does, then reads the store. Recording passes straight through to the store.
import type { SiteAccess } from '../cache/site-access.ts';
import { err, type Result } from '../errors.ts';
import type { PointsCatalogue } from '../points/catalogue.ts';
import type { Caller } from '../requests.ts';
import type { AggregateQuery, AggregateRead, AggregateStore } from './store.ts';

export interface AggregatesService extends Pick<AggregateStore, 'record'> {
  /** The caller's view of the stored buckets: 401/403/404 from ACE, 400 for a foreign point. */
  read(caller: Caller, query: AggregateQuery): Promise<Result<AggregateRead>>;
}

export interface AggregatesServiceOptions {
  store: AggregateStore;
  access: SiteAccess;
  catalogue: Pick<PointsCatalogue, 'list'>;
}

/** Most foreign points named in one 400 (the validation edge's own bound). */
const MAX_ISSUES = 50;

/** Creates the service. */
export function createAggregatesService(options: AggregatesServiceOptions): AggregatesService {
  const { store, access, catalogue } = options;
  return {
    record: (event) => store.record(event),
    async read(caller, query) {
      const allowed = await access.ensure(caller, query.site);
      if (!allowed.ok) return allowed;
      // Buckets are stored under the site's name: a point of another site asked for here must not
      // be answered to whoever may read this one.
      const known = await catalogue.list(query.site, caller);
      if (!known.ok) return known;
      const names = new Set(known.value.map((p) => p.name));
      const foreign = query.points.flatMap((p, i) =>
        names.has(p) ? [] : [{ path: `points.${i}`, message: 'not a point of this site' }],
      );
      if (foreign.length > 0) {
        return err({
          kind: 'invalid_input',
          message: 'invalid request',
          issues: foreign.slice(0, MAX_ISSUES),
        });
      }
      return store.read(query);
    },
  };
}
