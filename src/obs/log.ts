// Structured JSON logs. Owns the log line shape and the rule that secrets never reach a log:
// callers pass fields, never tokens or bound SQL parameters (review 41).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Field values a log line may carry. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** A logger bound to context fields (request id, job id, ...). */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  with(fields: LogFields): Logger;
}

/** A sink receives one finished line; the default writes JSON to the console. */
export type LogSink = (level: LogLevel, line: Record<string, unknown>) => void;

const consoleSink: LogSink = (level, line) => {
  const text = JSON.stringify(line);
  if (level === 'error') console.error(text);
  else if (level === 'warn') console.warn(text);
  else console.log(text);
};

/** Creates a logger; `sink` is injectable so specs can read what was logged. */
export function createLogger(context: LogFields = {}, sink: LogSink = consoleSink): Logger {
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    sink(level, { level, event, ...context, ...fields, ts: new Date().toISOString() });
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    with: (fields) => createLogger({ ...context, ...fields }, sink),
  };
}

/** Extracts a loggable description of an unknown thrown value (name and message only). */
export function describeError(e: unknown): { error_name: string; error_message: string } {
  if (e instanceof Error) return { error_name: e.name, error_message: e.message };
  return { error_name: typeof e, error_message: String(e) };
}
