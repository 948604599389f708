import { useId, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { Link, useRouter, useSearchParam } from '../lib/router.tsx';
import { useSession } from '../session/session.tsx';

/** Only paths on this site: `?next=//evil.example` must not send anyone away. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const { client, signedIn } = useSession();
  const { navigate } = useRouter();
  const next = safeNext(useSearchParam('next'));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const signup = mode === 'signup';

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const displayName = String(form.get('displayName') ?? '').trim();
    const email = String(form.get('email') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      const session = signup
        ? await client.signUp({
            body: {
              username,
              password,
              ...(displayName ? { displayName } : {}),
              ...(email ? { email } : {}),
            },
          })
        : await client.logIn({ body: { username, password } });
      signedIn(session);
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const title = signup ? 'Create your account' : 'Log in to Graminsta';
  return (
    <section className="panel narrow">
      <title>{`${signup ? 'Sign up' : 'Log in'} · Graminsta`}</title>
      <h1>{title}</h1>
      <form onSubmit={(e) => void submit(e)} className="form" aria-label={title}>
        <ErrorMessage error={error} />
        <label htmlFor={`${id}-username`}>Username</label>
        <input
          id={`${id}-username`}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          minLength={signup ? 3 : 1}
          maxLength={30}
        />
        {signup && (
          <>
            <label htmlFor={`${id}-display`}>Display name (optional)</label>
            <input id={`${id}-display`} name="displayName" autoComplete="name" maxLength={60} />
            <label htmlFor={`${id}-email`}>E-mail (optional)</label>
            <input id={`${id}-email`} name="email" type="email" autoComplete="email" maxLength={254} />
            <p className="hint">Lets you reset a forgotten password. We mail you a link to confirm it.</p>
          </>
        )}
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete={signup ? 'new-password' : 'current-password'}
          required
          minLength={signup ? 8 : 1}
          maxLength={200}
        />
        {signup && <p className="hint">At least 8 characters.</p>}
        {!signup && (
          <p className="hint">
            <Link to="/forgot-password" className="text-link">
              Forgot password?
            </Link>
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Please wait…' : signup ? 'Sign up' : 'Log in'}
        </button>
      </form>
      <p className="muted">
        {signup ? 'Have an account? ' : 'New here? '}
        <Link
          to={`${signup ? '/login' : '/signup'}${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}
          className="text-link"
        >
          {signup ? 'Log in' : 'Sign up'}
        </Link>
      </p>
    </section>
  );
}
