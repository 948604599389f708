// The topology of every stage as data, and the one process toolkit that runs it: `graminsta up`,
// the Kubernetes renderer, the benchmarks and the end-to-end harness all read these.
export * from './roles.ts';
export * from './stages.ts';
export * from './balancer.ts';
export * from './child.ts';
export * from './nginx.ts';
export * from './ports.ts';
export * from './ready.ts';
export * from './edge.ts';
export * from './raw-socket.ts';
export * from './redis.ts';
export * from './pg-cluster.ts';
export * from './prometheus.ts';
export * from './scrape.ts';
