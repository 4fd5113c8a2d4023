// Fault-injecting wrappers around REAL local bindings (CONVENTIONS 13): the binding does the
// work unless a fault is switched on for an operation. Never a fake that reimplements one.

/** What a faulted operation does instead of its real work. */
export type Fault = { kind: 'error'; message?: string } | { kind: 'hang' } | { kind: 'delay'; ms: number };

/** A mutable switchboard: set a fault for an operation name, clear it to heal. */
export interface FaultPlan<Op extends string> {
  set(op: Op, fault: Fault): void;
  clear(op?: Op): void;
  get(op: Op): Fault | undefined;
}

export function createFaultPlan<Op extends string>(): FaultPlan<Op> {
  const faults = new Map<Op, Fault>();
  return {
    set: (op, fault) => faults.set(op, fault),
    clear: (op) => (op === undefined ? faults.clear() : faults.delete(op)),
    get: (op) => faults.get(op),
  };
}

/** Applies a fault before (or instead of) the real call. */
async function apply<T>(fault: Fault | undefined, real: () => Promise<T>): Promise<T> {
  if (!fault) return real();
  switch (fault.kind) {
    case 'error':
      throw new Error(fault.message ?? 'injected fault');
    case 'hang':
      return new Promise<T>(() => {});
    case 'delay':
      await new Promise((r) => setTimeout(r, fault.ms));
      return real();
  }
}

export type D1Op = 'first' | 'all' | 'run' | 'raw' | 'batch' | 'exec';

/** Wraps a real D1 database so chosen statement methods fail, hang or slow down. */
export function faultyD1(db: D1Database, plan: FaultPlan<D1Op>): D1Database {
  const wrapStatement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop, receiver) {
        if (prop === 'bind') {
          return (...values: unknown[]) => wrapStatement(target.bind(...values));
        }
        if (prop === 'first' || prop === 'all' || prop === 'run' || prop === 'raw') {
          const op = prop;
          return (...args: unknown[]) =>
            apply(plan.get(op), () =>
              (Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>).apply(
                target,
                args,
              ),
            );
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  // A Sessions API session (the read path's lookups) is faulted like the database itself.
  const wrapSession = (session: D1DatabaseSession): D1DatabaseSession =>
    new Proxy(session, {
      get(target, prop, receiver) {
        if (prop === 'prepare') return (sql: string) => wrapStatement(target.prepare(sql));
        if (prop === 'batch')
          return (stmts: D1PreparedStatement[]) => apply(plan.get('batch'), () => target.batch(stmts));
        const real = Reflect.get(target, prop, receiver);
        return typeof real === 'function' ? real.bind(target) : real;
      },
    });
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return (sql: string) => wrapStatement(target.prepare(sql));
      if (prop === 'batch')
        return (stmts: D1PreparedStatement[]) => apply(plan.get('batch'), () => target.batch(stmts));
      if (prop === 'exec') return (sql: string) => apply(plan.get('exec'), () => target.exec(sql));
      if (prop === 'withSession')
        return (constraint?: D1SessionConstraint | D1SessionBookmark) =>
          wrapSession(target.withSession(constraint));
      return Reflect.get(target, prop, receiver);
    },
  });
}

export type R2Op =
  | 'head'
  | 'get'
  | 'put'
  | 'delete'
  | 'list'
  | 'createMultipartUpload'
  | 'resumeMultipartUpload';

/** Wraps a real R2 bucket so chosen operations fail, hang or slow down. */
export function faultyR2(bucket: R2Bucket, plan: FaultPlan<R2Op>): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop, receiver) {
      const real = Reflect.get(target, prop, receiver);
      if (typeof prop === 'string' && typeof real === 'function') {
        const op = prop as R2Op;
        return (...args: unknown[]) =>
          apply(plan.get(op), async () => (real as (...a: unknown[]) => unknown).apply(target, args));
      }
      return real;
    },
  });
}

/**
 * Like faultyD1, but only statements whose SQL matches `pattern` are faulted (e.g. the job store's
 * `status = 'succeeded'` write), so a spec can fail one step of a flow and let the rest run.
 */
export function faultyD1Matching(db: D1Database, plan: FaultPlan<D1Op>, pattern: RegExp): D1Database {
  const faulted = faultyD1(db, plan);
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'prepare') {
        return (sql: string) => (pattern.test(sql) ? faulted.prepare(sql) : target.prepare(sql));
      }
      if (prop === 'withSession') {
        return (constraint?: D1SessionConstraint | D1SessionBookmark) => {
          const plain = target.withSession(constraint);
          const faultedSession = faulted.withSession(constraint);
          return new Proxy(plain, {
            get(s, p, r) {
              if (p === 'prepare')
                return (sql: string) => (pattern.test(sql) ? faultedSession.prepare(sql) : s.prepare(sql));
              const real = Reflect.get(s, p, r);
              return typeof real === 'function' ? real.bind(s) : real;
            },
          });
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

export type R2UploadOp = 'uploadPart' | 'complete' | 'abort';

/**
 * Wraps a real R2 bucket so the multipart uploads it creates fail, hang or slow down at a chosen
 * step (a part, or completing); every other call goes straight to the real bucket.
 */
export function faultyR2Uploads(bucket: R2Bucket, plan: FaultPlan<R2UploadOp>): R2Bucket {
  const wrapUpload = (upload: R2MultipartUpload): R2MultipartUpload =>
    new Proxy(upload, {
      get(target, prop, receiver) {
        const real = Reflect.get(target, prop, receiver);
        if (
          (prop === 'uploadPart' || prop === 'complete' || prop === 'abort') &&
          typeof real === 'function'
        ) {
          const op = prop;
          return (...args: unknown[]) =>
            apply(plan.get(op), async () => (real as (...a: unknown[]) => unknown).apply(target, args));
        }
        return typeof real === 'function' ? real.bind(target) : real;
      },
    });
  return new Proxy(bucket, {
    get(target, prop, receiver) {
      const real = Reflect.get(target, prop, receiver);
      if (prop === 'createMultipartUpload' && typeof real === 'function') {
        return async (...args: unknown[]) =>
          wrapUpload(await (real as (...a: unknown[]) => Promise<R2MultipartUpload>).apply(target, args));
      }
      return typeof real === 'function' ? real.bind(target) : real;
    },
  });
}

export type QueueOp = 'send' | 'sendBatch';

/** Wraps a real queue producer binding so send or sendBatch fails, hangs or slows down. */
export function faultyQueue<Body = unknown>(queue: Queue<Body>, plan: FaultPlan<QueueOp>): Queue<Body> {
  return new Proxy(queue, {
    get(target, prop, receiver) {
      const real = Reflect.get(target, prop, receiver);
      if ((prop === 'send' || prop === 'sendBatch') && typeof real === 'function') {
        const op = prop;
        return (...args: unknown[]) =>
          apply(plan.get(op), async () => (real as (...a: unknown[]) => unknown).apply(target, args));
      }
      return typeof real === 'function' ? real.bind(target) : real;
    },
  });
}
