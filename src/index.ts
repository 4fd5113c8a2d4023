// The Worker's entry points. The only module that sees env and ctx: each handler builds the
// services through the composition root and hands the work to the right module.
import { runScheduled } from './cron/scheduled.ts';
import { createApp } from './http/app.ts';
import { internalErrorBody } from './http/to-http.ts';
import { createLogger, describeError } from './obs/log.ts';
import { createServices, type Services } from './services.ts';

const app = createApp();

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
    return app.fetch(request, { services }, ctx);
  },

  async queue(batch, env, ctx): Promise<void> {
    // One handler for the job queues and their DLQ: the consumer tells them apart by batch.queue
    // and decides per message (ack, or retry with its own delay).
    await createServices(env, ctx).jobConsumer.handleBatch(batch);
  },

  async scheduled(controller, env, ctx): Promise<void> {
    await runScheduled(controller.cron, createServices(env, ctx));
  },
} satisfies ExportedHandler<Env>;
