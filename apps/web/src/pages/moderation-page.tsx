import { useId, useState } from 'react';
import type { ReportAction, ReportItem } from '@graminsta/contracts';
import { ErrorMessage } from '../components/error-message.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { ReportedContent } from '../components/reported-content.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { timeAgo } from '../lib/time.ts';
import { useSession } from '../session/session.tsx';
import '../components/moderation.css';

const KIND = { photo: 'Post', comment: 'Comment', user: 'Account' } as const;
const ACTIONS: Array<[ReportAction, string]> = [
  ['dismiss', 'Dismiss'],
  ['remove', 'Remove'],
  ['suspend', 'Suspend'],
];

/** Which queued reports a decision closes: those on the target (and its comments), or on all the owner's things. */
function closedBy(report: ReportItem, action: ReportAction) {
  const suspends = action === 'suspend' || (action === 'remove' && report.target.type === 'user');
  // A removed post takes its comments, and the reports on them, along.
  const underRemovedPost = (other: ReportItem) =>
    action === 'remove' &&
    report.target.type === 'photo' &&
    other.content?.type === 'comment' &&
    other.content.photo?.id === report.target.id;
  return (other: ReportItem) =>
    suspends
      ? other.targetOwner.id === report.targetOwner.id
      : (other.target.type === report.target.type && other.target.id === report.target.id) ||
        underRemovedPost(other);
}

function QueueItem({ report, onResolved }: { report: ReportItem; onResolved(action: ReportAction): void }) {
  const { client } = useSession();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useId();

  const resolve = async (action: ReportAction) => {
    setBusy(true);
    setError(null);
    try {
      await client.resolveReport({
        params: { id: report.id },
        body: { action, ...(reason.trim() && { reason }) },
      });
      onResolved(action);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <li className="moderation-item" aria-labelledby={`${id}-h`} data-testid="report-item">
      <h2 id={`${id}-h`} className="report-title">
        {KIND[report.target.type]} by{' '}
        <Link to={`/u/${encodeURIComponent(report.targetOwner.username)}`}>
          {report.targetOwner.username}
        </Link>
      </h2>
      <p>
        Reported by <span className="username">{report.reporter.username}</span>{' '}
        <time className="muted small" dateTime={report.createdAt}>
          {timeAgo(report.createdAt)}
        </time>
        {report.openReports > 1 && <span className="muted small"> · {report.openReports} open reports</span>}
      </p>
      <blockquote className="report-reason" aria-label="Reason given">
        {report.reason}
      </blockquote>
      <ReportedContent report={report} />
      <div className="moderation-actions">
        <label htmlFor={`${id}-why`} className="visually-hidden">
          Your reason (kept in the moderation log)
        </label>
        <input
          id={`${id}-why`}
          value={reason}
          maxLength={500}
          placeholder="Reason for the log (optional)"
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        {ACTIONS.map(([action, label]) => (
          <button
            key={action}
            type="button"
            className={action === 'dismiss' ? 'link-button' : 'button danger'}
            disabled={busy}
            onClick={() => void resolve(action)}
          >
            {label}
          </button>
        ))}
      </div>
      <ErrorMessage error={error} />
    </li>
  );
}

/** The moderators' queue: open reports, oldest first, each with what was reported. */
export function ModerationPage() {
  const { me } = useSession();
  if (me?.role === 'moderator') return <Queue />;
  return (
    <section className="panel narrow">
      <h1>Moderation</h1>
      <p>Only moderators can see the report queue.</p>
    </section>
  );
}

function Queue() {
  const { client } = useSession();
  const list = usePagedList(
    (cursor, signal) => client.listReports({ query: { cursor } }, { signal }),
    [client],
  );
  return (
    <section className="panel narrow">
      <title>Moderation · Graminsta</title>
      <h1>Moderation</h1>
      {list.items.length === 0 && !list.hasMore && !list.error && <p className="empty">No open reports.</p>}
      <ul className="moderation-list" aria-label="Open reports">
        {list.items.map((r) => (
          <QueueItem
            key={r.id}
            report={r}
            onResolved={(action) =>
              list.update((items) => items.filter((other) => !closedBy(r, action)(other)))
            }
          />
        ))}
      </ul>
      <LoadMore {...list} onLoadMore={list.loadMore} noun="more reports" />
    </section>
  );
}
