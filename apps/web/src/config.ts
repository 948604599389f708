declare global {
  interface Window {
    /** Injected by the server's /config.js before the bundle loads. */
    __GRAMINSTA__?: { apiUrl?: string };
  }
}

/** Where the API is: set at run time by the server, else this page's own origin. */
export function apiBaseUrl(): string {
  return window.__GRAMINSTA__?.apiUrl ?? '';
}
