/**
 * Whether `sql` is a plain read a replica can answer: a SELECT (or WITH … SELECT) that writes
 * nothing, locks nothing and calls no function with an effect. Conservative by design: a word
 * that might mean a write anywhere in the text (even inside a string) sends it to the primary,
 * which always answers correctly.
 */
export function isReplicaRead(sql: string): boolean {
  const text = stripLeadingComments(sql).toLowerCase();
  if (!/^(select|with)\b/.test(text)) return false;
  return !EFFECTS.test(text);
}

const EFFECTS = new RegExp(
  [
    // writes, also inside a WITH, and SELECT … INTO (creates a table)
    String.raw`\b(insert|update|delete|merge|into|truncate|copy|call|do)\b`,
    // locking reads
    String.raw`\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b`,
    // functions with effects or a session's own state
    String.raw`\b(nextval|setval|currval|lastval|set_config|pg_notify|pg_advisory\w*|pg_try_advisory\w*|txid_current\w*|pg_current_xact_id\w*|pg_current_wal\w*|pg_cancel_backend|pg_terminate_backend|pg_reload_conf|pg_rotate_logfile|lo_\w+|dblink\w*|pg_sleep\w*|pg_switch_wal|pg_create\w*|pg_drop\w*|pg_replication\w*|pg_stat_reset\w*|pg_logical\w*)\s*\(`,
  ].join('|'),
);

function stripLeadingComments(sql: string): string {
  let s = sql.trimStart();
  for (;;) {
    if (s.startsWith('--')) {
      const end = s.indexOf('\n');
      s = end < 0 ? '' : s.slice(end + 1).trimStart();
    } else if (s.startsWith('/*')) {
      const end = s.indexOf('*/');
      s = end < 0 ? '' : s.slice(end + 2).trimStart();
    } else if (s.startsWith('(')) {
      s = s.slice(1).trimStart();
    } else return s;
  }
}
