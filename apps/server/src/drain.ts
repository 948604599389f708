/** How long a process may drain on SIGTERM before it forces its exit; deploy/k8s sizes grace periods from it. */
export const DRAIN_SECONDS = 25;
