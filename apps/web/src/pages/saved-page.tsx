import { PhotoGrid } from '../components/photo-grid.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { useSession } from '../session/session.tsx';

/** The posts you saved, newest save first; only you see this list. */
export function SavedPage() {
  const { client, me } = useSession();
  const list = usePagedList(
    (cursor, signal) => client.listSaved({ query: { cursor } }, { signal }),
    [client, me?.id],
  );
  return (
    <section className="wide">
      <title>Saved · Graminsta</title>
      <h1>Saved</h1>
      <p className="muted">Only you can see what you saved.</p>
      <PhotoGrid
        list={list}
        empty="Nothing saved yet. Use the bookmark under a post to keep it here."
        noun="more saved posts"
      />
    </section>
  );
}
