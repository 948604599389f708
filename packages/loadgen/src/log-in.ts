/** Logs one user in through the API (POST /api/v1/sessions), as a client would; returns the bearer token. */
export async function logInOne(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(new URL('/api/v1/sessions', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`log-in of ${username} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error(`log-in of ${username} returned no token`);
  return body.token;
}

/** Logs each user in, one after another; returns their bearer tokens in the same order. */
export async function logIn(baseUrl: string, usernames: string[], password: string): Promise<string[]> {
  const tokens: string[] = [];
  for (const username of usernames) tokens.push(await logInOne(baseUrl, username, password));
  return tokens;
}
