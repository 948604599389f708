// What other packages (bench/, deploy/) use of the server; anything else stays inside it.
export { DRAIN_SECONDS } from './drain.ts';
export { GRAMINSTA_BIN, startGraminsta } from './graminsta-bin.ts';
export type { TopologySnapshot } from './supervisor/up.ts';
