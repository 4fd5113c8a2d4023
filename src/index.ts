// The Worker's entry points. The only module that sees env and ctx: each handler builds the
// services through the composition root and hands the work to the right module.
import { runScheduled } from './cron/scheduled.ts';
import { createApp } from './http/app.ts';
import { internalErrorBody } from './http/to-http.ts';
import { createLogger, describeError } from './obs/log.ts';
import { createServices, type Services } from './services.ts';

const app = createApp();

/**
 * Answers one request with the app, then schedules what the answer left for later (the hot
 * path's batched bookkeeping): after the response is made, never on its path. Specs drive
 * requests through this too, so they see what the Worker does.
 */
export async function handleFetch(
  handler: { fetch: typeof app.fetch },
  request: Request,
  services: Services,
  ctx: ExecutionContext,
): Promise<Response> {
  const response = await handler.fetch(request, { services }, ctx);
  services.bookkeeping.schedule();
  return response;
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    let services: Services;
    try {
      services = createServices(env, ctx);
    } catch (error) {
      // Bad configuration (or a binding missing): the same generic 500 as any bug, no details.
      const requestId = crypto.randomUUID();
      createLogger({ service: 'vitals-edge' }).error('services_failed', {
        request_id: requestId,
        ...describeError(error),
      });
      return Response.json(internalErrorBody(requestId), {
        status: 500,
        headers: { 'X-Request-Id': requestId },
      });
    }
    return handleFetch(app, request, services, ctx);
  },

  async queue(batch, env, ctx): Promise<void> {
    // One handler for the job queues and their DLQ: the consumer tells them apart by batch.queue
    // and decides per message (ack, or retry with its own delay).
    await createServices(env, ctx).jobConsumer.handleBatch(batch);
  },

  async scheduled(controller, env, ctx): Promise<void> {
    const services = createServices(env, ctx);
    await runScheduled(controller.cron, services);
    services.bookkeeping.schedule();
  },
} satisfies ExportedHandler<Env>;
