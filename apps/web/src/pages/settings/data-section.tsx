import { useEffect, useId, useState, type FormEvent } from 'react';
import type { AccountExport } from '@graminsta/contracts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { exportHref } from '../../lib/export-link.ts';
import { useRouter } from '../../lib/router.tsx';
import { timeAgo } from '../../lib/time.ts';
import { useSession } from '../../session/session.tsx';

function ExportState({ latest }: { latest: AccountExport }) {
  if (latest.status === 'pending')
    return <p role="status">Your export is being prepared. A notification will tell you when it is ready.</p>;
  if (latest.status === 'failed')
    return <p role="status">Your last export could not be prepared. Try again.</p>;
  const expired = latest.expiresAt !== null && new Date(latest.expiresAt) <= new Date();
  if (expired || !latest.url) return <p role="status">Your last export has expired.</p>;
  return (
    <p role="status">
      Your export is ready: <a href={exportHref(latest.url)}>download the zip</a>
      {latest.expiresAt && (
        <span className="muted small"> (kept until {new Date(latest.expiresAt).toLocaleDateString()})</span>
      )}
    </p>
  );
}

/** "Download your data": asks for a zip of the account, and shows where the latest one stands. */
function DownloadData() {
  const { client } = useSession();
  const [latest, setLatest] = useState<AccountExport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    client.latestExport({ signal: ctl.signal }).then(
      (r) => setLatest(r.export),
      (err: unknown) => {
        if (!ctl.signal.aborted) setError(err);
      },
    );
    return () => ctl.abort();
  }, [client]);

  const request = async () => {
    setBusy(true);
    setError(null);
    try {
      setLatest(await client.requestExport());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="export-title" className="settings-section">
      <h2 id="export-title">Download your data</h2>
      <p>
        A zip of your profile, posts with their photos at full quality (without camera or location data),
        comments, follows, likes and saved posts. The link works for 7 days.
      </p>
      <ErrorMessage error={error} />
      {latest && <ExportState latest={latest} />}
      {latest && <p className="muted small">Asked {timeAgo(latest.createdAt)}.</p>}
      <button type="button" onClick={() => void request()} disabled={busy || latest?.status === 'pending'}>
        {latest?.status === 'pending' ? 'Export in progress' : 'Request an export'}
      </button>
    </section>
  );
}

/** "Delete account": the password again, then signed out and sent home while a job removes everything. */
function DeleteAccount() {
  const { client, logOut } = useSession();
  const { navigate } = useRouter();
  const id = useId();
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.deleteMe({ body: { password } });
    } catch (err) {
      setError(err);
      setBusy(false);
      return;
    }
    await logOut();
    navigate('/', { replace: true });
  };

  return (
    <section aria-labelledby="delete-title" className="settings-section danger">
      <h2 id="delete-title">Delete account</h2>
      <p>
        <strong>This cannot be undone.</strong> Your account, posts, photos, comments, likes, follows and
        messages to you are deleted for good, and you are signed out everywhere. Download your data first if
        you want to keep it.
      </p>
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Delete account">
        <ErrorMessage error={error} />
        <label htmlFor={`${id}-password`}>Your password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="danger" disabled={busy || password === ''}>
          Delete my account
        </button>
      </form>
    </section>
  );
}

export function DataSection() {
  return (
    <>
      <DownloadData />
      <DeleteAccount />
    </>
  );
}
