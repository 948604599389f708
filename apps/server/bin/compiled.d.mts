// Types of compiled.mjs for the tests that drive it (the bin itself stays plain JavaScript).
export const BUNDLE: string;
export function bundleIsStale(): boolean;
export function buildBundle(): Promise<void>;
export function compiledServer(): Promise<string | null>;
