import { useCallback, useEffect, useId, useState } from 'react';
import type { DeviceSession } from '@graminsta/contracts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { useSession } from '../../session/session.tsx';

const when = (iso: string) => new Date(iso).toLocaleString();

/** Where the account is signed in; any other device can be ended at once. */
export function DevicesSection() {
  const { client } = useSession();
  const id = useId();
  const [items, setItems] = useState<DeviceSession[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [ending, setEnding] = useState<string | null>(null);

  const load = useCallback(
    (signal?: AbortSignal) =>
      client.listSessions({ signal }).then(
        (list) => setItems(list.items),
        (err: unknown) => {
          if (!signal?.aborted) setError(err);
        },
      ),
    [client],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const end = async (session: DeviceSession) => {
    setEnding(session.id);
    setError(null);
    try {
      await client.endSession({ params: { id: session.id } });
      setItems((list) => list?.filter((s) => s.id !== session.id) ?? null);
    } catch (err) {
      setError(err);
    } finally {
      setEnding(null);
    }
  };

  return (
    <section className="settings-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Devices</h2>
      <ErrorMessage error={error} />
      {items === null ? (
        !error && (
          <p className="muted" role="status">
            Loading…
          </p>
        )
      ) : (
        <ul className="device-list" aria-label="Signed-in devices">
          {items.map((s) => (
            <li key={s.id}>
              <strong>{s.client || 'Unknown client'}</strong>
              {s.current && <span className="this-device">This device</span>}
              <br />
              <span className="muted">
                Signed in {when(s.createdAt)} · last used {when(s.lastUsedAt)}
              </span>{' '}
              {!s.current && (
                <button
                  type="button"
                  className="button secondary"
                  disabled={ending === s.id}
                  aria-label={`End ${s.client || 'unknown client'}`}
                  onClick={() => void end(s)}
                >
                  End
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
