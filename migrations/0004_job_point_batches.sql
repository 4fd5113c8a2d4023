-- Jobs read their points in batches (src/jobs/tasks.ts), so a result is point-major and its JSON
-- and MessagePack answers can be written series by series. The job row's cursor gains the point
-- the next task starts at; each part says which of the job's points it holds.
-- resume_point NULL on a job that has begun (resume_ms set) is one planned before batches: it
-- goes on reading every point in time order.
ALTER TABLE queue_jobs ADD COLUMN resume_point INTEGER CHECK (resume_point IS NULL OR resume_point >= 0);

-- The part holds the job's points [first_point, first_point + point_count); point_count NULL: all
-- of them (a part written before batches).
ALTER TABLE job_task_results ADD COLUMN first_point INTEGER NOT NULL DEFAULT 0 CHECK (first_point >= 0);
ALTER TABLE job_task_results ADD COLUMN point_count INTEGER CHECK (point_count IS NULL OR point_count >= 1);
