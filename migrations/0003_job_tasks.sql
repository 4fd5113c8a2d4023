-- Jobs of any size (issue 15): a job runs as a chain of tasks, each one queue message and one
-- invocation, each writing its own result object. The job row is the chain's cursor: how many
-- tasks are done, how many the plan has, and the time up to which results are complete (the next
-- task starts there). Between two tasks the job is `queued` with its next message on the way.
ALTER TABLE queue_jobs ADD COLUMN tasks_done INTEGER NOT NULL DEFAULT 0 CHECK (tasks_done >= 0);
ALTER TABLE queue_jobs ADD COLUMN tasks_total INTEGER NOT NULL DEFAULT 1 CHECK (tasks_total >= 1);
ALTER TABLE queue_jobs ADD COLUMN resume_ms INTEGER;

-- The result object of each finished task of a job of more than one task, read in task order.
-- A row is written in the same batch that moves the job past its task, under the same guard, so
-- a row names the object of the attempt that owned the task.
CREATE TABLE job_task_results (
  job_id TEXT NOT NULL REFERENCES queue_jobs (id) ON DELETE CASCADE,
  task INTEGER NOT NULL CHECK (task >= 0),
  result_key TEXT NOT NULL,
  bytes INTEGER NOT NULL,                    -- stored in R2 (the result's size)
  samples INTEGER NOT NULL,
  pages INTEGER NOT NULL,                    -- ACE pages read for it (progress)
  upstream_bytes INTEGER NOT NULL,           -- ACE bytes read for it (progress)
  PRIMARY KEY (job_id, task)
);
