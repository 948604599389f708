import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { REPORT_REASON_MAX, type ReportTargetType } from '@graminsta/contracts';
import { useSession } from '../session/session.tsx';
import { ErrorMessage } from './error-message.tsx';
import './moderation.css';

const NOUN: Record<ReportTargetType, string> = { photo: 'post', comment: 'comment', user: 'account' };

/**
 * Asks why, then files the report; says so once it is filed. Not a modal: it opens in place,
 * under what it reports, and takes the focus so a keyboard user lands in it.
 */
export function ReportDialog(props: { target: { type: ReportTargetType; id: string }; onClose(): void }) {
  const { client } = useSession();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  const field = useRef<HTMLTextAreaElement>(null);
  const noun = NOUN[props.target.type];

  useEffect(() => field.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await client.createReport({ body: { target: props.target, reason } });
      setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="report-dialog" role="dialog" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="report-title">
        Report this {noun}
      </h2>
      {sent ? (
        <>
          <p role="status">
            Thank you. A moderator will look at this {noun}, and you will be told what they decide.
          </p>
          <button type="button" onClick={props.onClose}>
            Close
          </button>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <label htmlFor={`${id}-reason`}>Why should a moderator look at it?</label>
          <textarea
            id={`${id}-reason`}
            ref={field}
            value={reason}
            maxLength={REPORT_REASON_MAX}
            rows={3}
            required
            onChange={(e) => setReason(e.currentTarget.value)}
          />
          <ErrorMessage error={error} />
          <div className="report-buttons">
            <button type="submit" disabled={busy || !reason.trim()}>
              Send report
            </button>
            <button type="button" className="link-button" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
