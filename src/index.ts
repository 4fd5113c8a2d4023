// The Worker's entry points. The only module that sees env and ctx: each handler builds the
// services through the composition root and hands the work to the right module.
import { createApp } from './http/app.ts';
import { createServices } from './services.ts';

const app = createApp();

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const services = createServices(env, ctx);
    return app.fetch(request, { services }, ctx);
  },
} satisfies ExportedHandler<Env>;
