/** The session cookie: set by the API's sign-in, read by the API and by the realtime role's /ws upgrade. */
export const SESSION_COOKIE = 'graminsta_session';
