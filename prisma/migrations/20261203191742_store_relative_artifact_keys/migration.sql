-- Rows hold artefact-store keys (see libs/artifacts), never a machine's path. Existing file:// URIs
-- of the embedded layout become keys of the default store (<AGIQA_HOME>/artifacts):
--   FeatureSet: file:///…/features/<key>                      -> features/<key>
--   Run:        file:///…/artifacts/runs/<id>/attempt-<n>/…   -> runs/<id>/attempt-<n>/…
-- Feature files of the old layout (<AGIQA_HOME>/features) are not inside that store: a feature set
-- whose key has no files there is extracted again when a run needs it (a cache miss, same numbers).

-- AlterTable
ALTER TABLE "FeatureSet" RENAME COLUMN "uri" TO "artifactKey";
UPDATE "FeatureSet" SET "artifactKey" = 'features/' || "key";

-- AlterTable
ALTER TABLE "Run" RENAME COLUMN "checkpointUri" TO "checkpointKey";
UPDATE "Run"
SET "checkpointKey" = regexp_replace("checkpointKey", '^file://.*/artifacts/(runs/[^/]+/attempt-[0-9]+/.+)$', '\1')
WHERE "checkpointKey" LIKE 'file://%';
-- A URI outside that layout cannot be named by a key: forgotten (only resuming and latency read it).
UPDATE "Run" SET "checkpointKey" = NULL WHERE "checkpointKey" LIKE 'file://%';
