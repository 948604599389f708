import { endpoints, type Endpoint } from '@graminsta/contracts';
import { routeOf } from '../api/routes/register.ts';

export type DeclaredRoute = ReturnType<typeof routeOf>;

/** Every route of the API, with its config and zod schemas, as the api plugin registers it. */
export function declaredApiRoutes(): DeclaredRoute[] {
  return Object.values(endpoints).map((e: Endpoint) => routeOf(e));
}
