CREATE TABLE "photo_media" (
	"id" bigint PRIMARY KEY DEFAULT graminsta_next_id(0) NOT NULL,
	"photo_id" bigint NOT NULL,
	"owner_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"alt_text" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'processing' NOT NULL,
	"failure_reason" text,
	"source_key" text NOT NULL,
	"variants" jsonb,
	"placeholder_color" text,
	"width" integer,
	"height" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "saves" (
	"id" bigint PRIMARY KEY DEFAULT graminsta_next_id(0) NOT NULL,
	"user_id" bigint NOT NULL,
	"photo_id" bigint NOT NULL,
	"photo_owner_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "photos" ADD COLUMN "edited_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "photo_media_photo_idx" ON "photo_media" USING btree ("photo_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "saves_user_photo_idx" ON "saves" USING btree ("user_id","photo_id");--> statement-breakpoint
CREATE INDEX "saves_user_idx" ON "saves" USING btree ("user_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "saves_photo_idx" ON "saves" USING btree ("photo_id");--> statement-breakpoint
CREATE INDEX "notifications_photo_idx" ON "notifications" USING btree ("photo_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_mention_once_idx" ON "notifications" USING btree ("user_id","photo_id",coalesce("comment_id", 0)) WHERE "notifications"."type" = 'mention';--> statement-breakpoint
-- Every existing photo becomes a post of one item, before the per-photo columns go.
INSERT INTO "photo_media" ("photo_id", "owner_id", "position", "alt_text", "status", "failure_reason", "source_key", "variants", "placeholder_color", "width", "height", "created_at")
SELECT "id", "owner_id", 0, "alt_text", "status", "failure_reason", "source_key", "variants", "placeholder_color", "width", "height", "created_at" FROM "photos";--> statement-breakpoint
ALTER TABLE "photos" DROP COLUMN "alt_text";--> statement-breakpoint
ALTER TABLE "photos" DROP COLUMN "source_key";--> statement-breakpoint
ALTER TABLE "photos" DROP COLUMN "variants";--> statement-breakpoint
ALTER TABLE "photos" DROP COLUMN "placeholder_color";--> statement-breakpoint
ALTER TABLE "photos" DROP COLUMN "width";--> statement-breakpoint
ALTER TABLE "photos" DROP COLUMN "height";