// A counting wrapper around the REAL local D1 (and the Sessions API sessions made from it): every
// round trip (one statement executed, or one batch) is recorded with its SQL, whether it writes,
// and the phase the spec set (e.g. before and after the response). Counts only; D1 does the work.

/** One round trip to D1. */
export interface D1Trip {
  phase: string;
  /** Statements in the trip (1, or a batch's length). */
  statements: number;
  /** Whether any statement of the trip writes. */
  writes: boolean;
  sql: string[];
}

export interface CountingD1 {
  db: D1Database;
  trips: D1Trip[];
  /** Labels the trips recorded from now on. */
  phase: string;
  /** Trips of a phase. */
  of(phase: string): D1Trip[];
}

const WRITE = /^\s*(?:WITH\b[\s\S]*?\b)?(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b/i;

/** Wraps `db` so every trip through it or its sessions is recorded. */
export function countingD1(db: D1Database): CountingD1 {
  const counter: CountingD1 = {
    db: db,
    trips: [],
    phase: 'default',
    of: (phase) => counter.trips.filter((t) => t.phase === phase),
  };
  const record = (sql: string[]) =>
    counter.trips.push({
      phase: counter.phase,
      statements: sql.length,
      writes: sql.some((s) => WRITE.test(s)),
      sql,
    });
  const sqlOf = new WeakMap<D1PreparedStatement, string>();

  const wrapStatement = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapped: D1PreparedStatement = new Proxy(stmt, {
      get(target, prop) {
        if (prop === 'bind') return (...values: unknown[]) => wrapStatement(target.bind(...values), sql);
        if (prop === 'first' || prop === 'all' || prop === 'run' || prop === 'raw') {
          return (...args: unknown[]) => {
            record([sql]);
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const real = Reflect.get(target, prop, target);
        return typeof real === 'function' ? real.bind(target) : real;
      },
    });
    sqlOf.set(wrapped, sql);
    return wrapped;
  };
  const wrapDb = <T extends Pick<D1Database, 'prepare' | 'batch'>>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        if (prop === 'prepare') return (sql: string) => wrapStatement(t.prepare(sql), sql);
        if (prop === 'batch') {
          return (stmts: D1PreparedStatement[]) => {
            record(stmts.map((s) => sqlOf.get(s) ?? '?'));
            return t.batch(stmts);
          };
        }
        if (prop === 'withSession') {
          return (constraint?: D1SessionConstraint | D1SessionBookmark) =>
            wrapDb((t as unknown as D1Database).withSession(constraint));
        }
        const real = Reflect.get(t, prop, t);
        return typeof real === 'function' ? real.bind(t) : real;
      },
    });
  counter.db = wrapDb(db);
  return counter;
}
