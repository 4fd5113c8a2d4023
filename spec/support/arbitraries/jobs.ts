// fast-check arbitraries for the job lifecycle (CONVENTIONS 15, spec/model/jobs): priorities, and
// the ACE statuses that fail a job transiently or for good. Owns generation of inputs only.
import fc from 'fast-check';

/** A job priority: normal or high (a queue each). */
export const jobPriorityArb: fc.Arbitrary<'normal' | 'high'> = fc.constantFrom('normal', 'high');

/** An ACE answer the queue outcome mapping treats as transient: 5xx, 408, 429. */
export const transientAceStatusArb: fc.Arbitrary<number> = fc.constantFrom(500, 502, 503, 504, 408, 429);

/** An ACE answer the queue outcome mapping treats as permanent: a 4xx other than 408 and 429. */
export const permanentAceStatusArb: fc.Arbitrary<number> = fc.constantFrom(400, 401, 403, 404);
