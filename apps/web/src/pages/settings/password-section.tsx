import { useId, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/error-message.tsx';
import { NewPasswordFields } from '../../components/new-password-fields.tsx';
import { useSession } from '../../session/session.tsx';

/** A new password, given the current one; every other device is signed out. */
export function PasswordSection() {
  const { client } = useSession();
  const id = useId();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    const currentPassword = String(form.get('currentPassword') ?? '');
    const newPassword = String(form.get('newPassword') ?? '');
    setDone(false);
    if (newPassword !== String(form.get('confirm') ?? '')) {
      setError(new Error('the two new passwords differ'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.changePassword({ body: { currentPassword, newPassword } });
      formEl.reset();
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Password</h2>
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Change password">
        <ErrorMessage error={error} />
        <label htmlFor={`${id}-current`}>Current password</label>
        <input
          id={`${id}-current`}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          maxLength={200}
        />
        <NewPasswordFields id={id} name="newPassword" />
        <button type="submit" className="button" disabled={busy}>
          {busy ? 'Please wait…' : 'Change password'}
        </button>
        {done && <p role="status">Password changed. Your other devices are signed out.</p>}
      </form>
    </section>
  );
}
