-- 64-bit time-ordered ids with room for a shard number (Instagram-style):
-- 41 bits of milliseconds since 2026-01-01 UTC | 13 bits of shard | 10 bits of sequence.
CREATE SEQUENCE IF NOT EXISTS graminsta_id_seq;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION graminsta_next_id(shard integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  epoch_ms bigint := 1767225600000;
  now_ms bigint;
  seq bigint;
BEGIN
  IF shard < 0 OR shard > 8191 THEN
    RAISE EXCEPTION 'shard % out of range 0..8191', shard;
  END IF;
  SELECT nextval('graminsta_id_seq') % 1024 INTO seq;
  now_ms := floor(extract(epoch FROM clock_timestamp()) * 1000);
  RETURN ((now_ms - epoch_ms) << 23) | (shard::bigint << 10) | seq;
END;
$$;
