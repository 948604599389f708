import { apiBaseUrl } from '../config.ts';

/** An export's download link on the API's origin (the web client may be served from another). */
export function exportHref(url: string): string {
  return `${apiBaseUrl()}${url}`;
}
