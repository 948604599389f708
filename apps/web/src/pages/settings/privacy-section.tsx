import { useState } from 'react';
import type { Me } from '@graminsta/contracts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { Link } from '../../lib/router.tsx';
import { useSession } from '../../session/session.tsx';

/** The "Private account" switch, and the way to the follow requests it brings. */
export function PrivacySection({ me }: { me: Me }) {
  const { client, setMe } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      setMe(await client.updateMe({ body: { private: !me.private } }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="settings-section" aria-labelledby="privacy-title">
      <h2 id="privacy-title">Privacy</h2>
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          checked={me.private}
          disabled={busy}
          aria-describedby="privacy-help"
          onChange={() => void toggle()}
        />{' '}
        Private account
      </label>
      <p id="privacy-help" className="muted small">
        {me.private
          ? 'Only the followers you accept see your posts, followers and following. Turning this off accepts every pending request.'
          : 'Anyone can see your posts and follow you.'}
      </p>
      <p>
        <Link to="/requests">Follow requests</Link>
      </p>
      <ErrorMessage error={error} />
    </section>
  );
}
