import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { NewPasswordFields } from '../components/new-password-fields.tsx';
import { Link } from '../lib/router.tsx';
import { useSession } from '../session/session.tsx';

/** Asks for a reset link; the answer never says whether the address belongs to an account. */
export function ForgotPasswordPage() {
  const { client } = useSession();
  const id = useId();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      await client.requestPasswordReset({ body: { email } });
      setSentTo(email);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel narrow">
      <title>Forgot password · Graminsta</title>
      <h1>Forgot your password?</h1>
      {sentTo ? (
        <p role="status">
          If an account uses <strong>{sentTo}</strong>, a link to choose a new password is on its way. It
          works once, within 30 minutes.
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="form" aria-label="Ask for a reset link">
          <ErrorMessage error={error} />
          <label htmlFor={`${id}-email`}>Your account’s e-mail address</label>
          <input id={`${id}-email`} name="email" type="email" autoComplete="email" required maxLength={254} />
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Please wait…' : 'Mail me a link'}
          </button>
        </form>
      )}
      <p className="muted">
        <Link to="/login" className="text-link">
          Back to log in
        </Link>
      </p>
    </section>
  );
}

/** The mailed reset link's page: a new password, then log in with it (every session was ended). */
export function ResetPasswordPage({ token }: { token: string }) {
  const { client } = useSession();
  const id = useId();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      setError(new Error('the two passwords differ'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.resetPassword({ params: { token }, body: { password } });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel narrow">
      <title>New password · Graminsta</title>
      <h1>Choose a new password</h1>
      {done ? (
        <p role="status">
          Your password is changed and every device was signed out.{' '}
          <Link to="/login" className="text-link">
            Log in
          </Link>
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)} className="form" aria-label="Choose a new password">
          <ErrorMessage error={error} />
          <NewPasswordFields id={id} name="password" />
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Please wait…' : 'Set the password'}
          </button>
        </form>
      )}
    </section>
  );
}

/** The mailed verification link's page: confirms the address as soon as it opens. */
export function VerifyEmailPage({ token }: { token: string }) {
  const { client, me, setMe } = useSession();
  const [state, setState] = useState<'working' | 'done' | unknown>('working');
  // One POST per token, even when React runs the effect twice in development.
  const asked = useRef<string | null>(null);

  useEffect(() => {
    if (asked.current === token) return;
    asked.current = token;
    client.verifyEmail({ params: { token } }).then(
      () => setState('done'),
      (err: unknown) => setState(err),
    );
  }, [client, token]);

  // Signed in: show the account as it now stands (the link may be another account's).
  const signedIn = me != null;
  useEffect(() => {
    if (state !== 'done' || !signedIn) return;
    client.getMe().then(setMe, () => {});
  }, [state, signedIn, client, setMe]);

  return (
    <section className="panel narrow">
      <title>Confirm e-mail · Graminsta</title>
      <h1>Confirm your e-mail address</h1>
      {state === 'working' ? (
        <p role="status" className="muted">
          Confirming…
        </p>
      ) : state === 'done' ? (
        <p role="status">Your e-mail address is confirmed.</p>
      ) : (
        <ErrorMessage error={state} />
      )}
    </section>
  );
}
