import { tokenizeCaption } from '../lib/caption.ts';
import { Link } from '../lib/router.tsx';

/** User text with #tags and @names as links; everything else stays text (React escapes it). */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {tokenizeCaption(text).map((token, i) => {
        switch (token.kind) {
          case 'tag':
            return (
              <Link key={i} to={`/tags/${encodeURIComponent(token.tag)}`} className="tag">
                {token.text}
              </Link>
            );
          case 'mention':
            return (
              <Link key={i} to={`/u/${encodeURIComponent(token.username)}`} className="mention">
                {token.text}
              </Link>
            );
          case 'text':
            return <span key={i}>{token.text}</span>;
        }
      })}
    </>
  );
}

export function Caption({ username, text }: { username?: string; text: string }) {
  if (!text) return null;
  return (
    <p className="caption">
      {username && (
        <Link to={`/u/${encodeURIComponent(username)}`} className="caption-author">
          {username}
        </Link>
      )}{' '}
      <span data-testid="caption-text">
        <RichText text={text} />
      </span>
    </p>
  );
}
