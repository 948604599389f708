import { Link } from '../lib/router.tsx';

export function NotFoundPage() {
  return (
    <section className="panel narrow">
      <title>Not found · Graminsta</title>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go home</Link>
      </p>
    </section>
  );
}
