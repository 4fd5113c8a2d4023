// What the read path needs from D1, in one round trip: the caller's stored access proof (when the
// isolate has none), which chunks the cache index lists, and the points' learned densities (when
// some chunk is not already in a faster tier). Everything asked for goes into one db.batch; a
// failure leaves each part unknown, never fails the read. Owns the batching, not the SQL.
import { presentFromRows, presentStatements } from '../cache/result-cache.ts';
import type { Db } from '../db/d1.ts';
import type { Statement } from '../db/sql.ts';
import type { AppError } from '../errors.ts';
import { type DensityKnowledge, knowledgeFromRows, knowledgeStatements } from './point-stats.ts';

export interface LookupRequest {
  /** The proof statement to run (SiteAccess.proofStatement), or null when the isolate has the proof. */
  proof: Statement | null;
  /** Chunk keys to look up in the index and the points whose densities to read; null: neither. */
  index: { keys: readonly string[]; site: string; points: readonly string[]; now: number } | null;
}

export interface LookupResult {
  /** The stored proof row (null: none stored); undefined when not asked or D1 failed. */
  proof?: { verified_at: number } | null;
  /** Index hits with their samples; undefined when not asked or D1 failed. */
  present?: Map<string, number>;
  knowledge?: DensityKnowledge;
  /** D1's failure, when the batch failed (each part above is then unknown). */
  error?: AppError;
  /** Statements sent (0: no round trip). */
  statements: number;
}

/** Runs the parts of `request` that are asked for as one batch (several for a request of thousands of points). */
export async function lookup(db: Db, request: LookupRequest): Promise<LookupResult> {
  const proof = request.proof ? [request.proof] : [];
  const index = request.index ? presentStatements(request.index.keys, request.index.now) : [];
  const densities = request.index ? knowledgeStatements(request.index.site, request.index.points) : [];
  const statements = [...proof, ...index, ...densities];
  if (statements.length === 0) return { statements: 0 };
  const batch = await db.readInGroups('read_path.lookup', statements);
  if (!batch.ok) return { error: batch.error, statements: statements.length };
  const rows = batch.value.map((entry) => entry.rows);
  const result: LookupResult = { statements: statements.length };
  if (request.proof) {
    const verifiedAt = rows[0]?.[0]?.verified_at;
    result.proof = typeof verifiedAt === 'number' ? { verified_at: verifiedAt } : null;
  }
  if (request.index) {
    result.present = presentFromRows(rows.slice(proof.length, proof.length + index.length).flat());
    result.knowledge = knowledgeFromRows(rows.slice(proof.length + index.length));
  }
  return result;
}
