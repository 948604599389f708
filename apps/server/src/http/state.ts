import type { RuntimeContext } from '../runtime.ts';

// Fastify state every HTTP role may read, set once by the kernel (decorate), never cast onto the instance.
declare module 'fastify' {
  interface FastifyInstance {
    /** The process's runtime context (config, instance id, logger, metrics, origins, URLs). */
    runtime: RuntimeContext;
    /** True from the start of shutdown: /readyz answers 503 so balancers stop sending. */
    draining: boolean;
  }
}
