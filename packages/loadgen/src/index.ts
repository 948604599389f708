// The load driver and what it is made of: the benchmarks and the end-to-end tests both drive a
// running deployment with it, so it lives below both (apps never import bench/).
export * from './workload.ts';
export * from './log-in.ts';
export * from './percentile.ts';
export * from './random.ts';
export * from './synthetic-jpeg.ts';
