import { useId, useState, type FormEvent } from 'react';
import type { Me } from '@graminsta/contracts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { useSession } from '../../session/session.tsx';

/** The account's address: shown with whether it is confirmed, changed with a fresh link mailed. */
export function EmailSection({ me }: { me: Me }) {
  const { client, setMe } = useSession();
  const id = useId();
  const [email, setEmail] = useState(me.email ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [mailed, setMailed] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setMailed(false);
    try {
      const updated = await client.changeEmail({ body: { email: email.trim() } });
      setMe(updated);
      setMailed(!updated.emailVerified);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>E-mail</h2>
      <p className="muted">
        {me.email === null
          ? 'No address yet: without one, a forgotten password cannot be reset.'
          : me.emailVerified
            ? `${me.email} is confirmed.`
            : `${me.email} is not confirmed yet: follow the link we mailed to it.`}
      </p>
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Change e-mail">
        <ErrorMessage error={error} />
        <label htmlFor={`${id}-email`}>Address</label>
        <input
          id={`${id}-email`}
          type="email"
          autoComplete="email"
          required
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Please wait…' : me.email && !me.emailVerified ? 'Save and resend the link' : 'Save'}
        </button>
        {mailed && <p role="status">A confirmation link is on its way to {email.trim()}.</p>}
      </form>
    </section>
  );
}
