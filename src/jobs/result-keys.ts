// Where a job's result objects live in the CACHE bucket, and how they are deleted. Every object of
// a job is under its prefix: one per attempt for a job that ran as one task, one per task and
// attempt for a longer one (their rows in job_task_results say which attempt's object counts).
/**
 * Where one attempt of a job writes its result. Per attempt, so an attempt that lost the job (the
 * reaper gave it to another) can never overwrite or delete the result of the one that owns it.
 */
export const resultKey = (jobId: string, attempt: number) => `results/${jobId}/${attempt}`;
/** Every result object of a job lives under this prefix. */
export const resultPrefix = (jobId: string) => `results/${jobId}/`;
/** Where one attempt of one task of a job of several tasks writes its part. */
export const taskResultKey = (jobId: string, task: number, attempt: number) =>
  `results/${jobId}/tasks/${task}/${attempt}`;

/** Deletes every object under a job's result prefix; how many. Throws what R2 throws. */
export async function discardParts(bucket: R2Bucket, jobId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const listed = await bucket.list({ prefix: resultPrefix(jobId), limit: 1000 });
    if (listed.objects.length === 0) return deleted;
    await bucket.delete(listed.objects.map((o) => o.key));
    deleted += listed.objects.length;
  }
}
