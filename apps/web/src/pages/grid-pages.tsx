import { PhotoGrid } from '../components/photo-grid.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { useSession } from '../session/session.tsx';

/** Recent public photos from everyone. */
export function ExplorePage() {
  const { client, me } = useSession();
  const list = usePagedList(
    (cursor, signal) => client.explore({ query: { cursor } }, { signal }),
    [client, me?.id],
  );
  return (
    <section className="wide">
      <title>Explore · Graminsta</title>
      <h1>Explore</h1>
      <PhotoGrid list={list} empty="No photos yet." />
    </section>
  );
}

/** Photos whose caption holds `#tag`. */
export function TagPage({ tag }: { tag: string }) {
  const { client, me } = useSession();
  const list = usePagedList(
    (cursor, signal) => client.tag({ params: { tag }, query: { cursor } }, { signal }),
    [client, tag, me?.id],
  );
  return (
    <section className="wide">
      <title>{`#${tag} · Graminsta`}</title>
      <h1>#{tag}</h1>
      <PhotoGrid list={list} empty={`No photos tagged #${tag} yet.`} />
    </section>
  );
}
