-- When a job's message was last handed to its queue. NULL while a queued job has no message that
-- is known to have been sent (the send failed and recording that failed too, or the job was just
-- replayed): an identical submit and the reaper then send one, so no queued job waits forever.
ALTER TABLE queue_jobs ADD COLUMN enqueued_at INTEGER;
CREATE INDEX idx_queue_jobs_unsent ON queue_jobs (updated_at) WHERE status = 'queued' AND enqueued_at IS NULL;
