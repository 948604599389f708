import type { UserSummary } from '@graminsta/contracts';

/** The user's avatar, or their initial on a tinted disc. Decorative: the name is always next to it. */
export function Avatar({
  user,
  size = 32,
}: {
  user: Pick<UserSummary, 'username' | 'avatarUrl'>;
  size?: number;
}) {
  if (user.avatarUrl) {
    return <img className="avatar" src={user.avatarUrl} alt="" width={size} height={size} loading="lazy" />;
  }
  return (
    <span
      className="avatar avatar-initial"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size / 2.2 }}
    >
      {user.username.slice(0, 1).toUpperCase()}
    </span>
  );
}
