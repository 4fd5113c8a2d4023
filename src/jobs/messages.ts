// Queue messages (review 19, 38): only ids and what the consumer needs — never a token or a
// payload — signed with HMAC-SHA-256 (Web Crypto) over a canonical serialisation with an issued-at
// time. Verification checks shape, signature (constant-time, by crypto.subtle.verify) and age
// before anything else. Pure apart from Web Crypto.
import { z } from 'zod';

export const MESSAGE_VERSION = 1;
/** A message older than this is stale: a replay, or a backlog that outlived its meaning. */
export const MAX_MESSAGE_AGE_MS = 24 * 3600_000;
/** Clock skew tolerated for an issued-at in the future. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** What the consumer needs to run a job: the rest is read from queue_jobs. */
export interface JobMessage {
  v: typeof MESSAGE_VERSION;
  job_id: string;
  /** Epoch ms when this message was signed. */
  issued_at: number;
}

export interface SignedJobMessage extends JobMessage {
  /** Hex HMAC-SHA-256 of canonicalMessage(). */
  sig: string;
}

const signedSchema = z.strictObject({
  v: z.literal(MESSAGE_VERSION),
  job_id: z.string().min(1).max(64),
  issued_at: z.number().int().nonnegative(),
  sig: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Why a message is refused (queue_rejections.reason). */
export type RejectionReason = 'malformed' | 'bad_signature' | 'stale';

const encoder = new TextEncoder();

/** The exact bytes the signature covers: a fixed-shape JSON array, never object key order. */
export function canonicalMessage(message: JobMessage): string {
  return JSON.stringify(['vitals-edge/job-message', message.v, message.job_id, message.issued_at]);
}

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    usage,
  ]);
}

const toHex = (buffer: ArrayBuffer) =>
  [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Signs a message for the queue. */
export async function signMessage(
  jobId: string,
  issuedAt: number,
  secret: string,
): Promise<SignedJobMessage> {
  const message: JobMessage = { v: MESSAGE_VERSION, job_id: jobId, issued_at: issuedAt };
  const sig = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret, 'sign'),
    encoder.encode(canonicalMessage(message)),
  );
  return { ...message, sig: toHex(sig) };
}

/** Verifies an untrusted body: shape, then signature, then age. Never throws. */
export async function verifyMessage(
  body: unknown,
  secret: string,
  nowMs: number,
): Promise<{ ok: true; message: SignedJobMessage } | { ok: false; reason: RejectionReason }> {
  const parsed = signedSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const message = parsed.data;
  const valid = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(secret, 'verify'),
    fromHex(message.sig),
    encoder.encode(canonicalMessage(message)),
  );
  if (!valid) return { ok: false, reason: 'bad_signature' };
  const age = nowMs - message.issued_at;
  if (age > MAX_MESSAGE_AGE_MS || age < -MAX_FUTURE_SKEW_MS) return { ok: false, reason: 'stale' };
  return { ok: true, message };
}
