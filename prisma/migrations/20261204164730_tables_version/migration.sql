-- CreateTable
CREATE TABLE "TablesVersion" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "TablesVersion_pkey" PRIMARY KEY ("id")
);

-- The one row, and the triggers that bump it, once per writing transaction, at its commit:
-- - in the writing transaction, so the new version becomes visible together with the change it
--   stands for (a reader that sees version v also sees every change counted in v);
-- - deferred to the commit (constraint triggers, INITIALLY DEFERRED), so the row lock on
--   "TablesVersion" is held only from the commit's start to its end: a transaction that holds
--   it waits for nothing else, so it cannot close a deadlock cycle with writers that lock runs
--   in another order (a re-run that updates its sweep and then its runs, beside a worker that
--   completes one of those runs);
-- - once per transaction (a transaction-local flag), so a bulk write does not update the row
--   once per row (each update of one row in one transaction walks its growing chain).
-- What counts (the tables read completed runs, their archival, sweeps, datasets and timing
-- measurements): a "Run" row that was or becomes completed or whose "archivedAt" changes — a
-- training sweep's epoch-by-epoch updates of running runs leave the version alone —, and any row
-- of "Sweep", "Dataset" and "TimingMeasurement". TRUNCATE (which fires no row trigger) bumps too.
INSERT INTO "TablesVersion" ("id", "version") VALUES (1, 0);

CREATE FUNCTION "bump_tables_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('agiqa.tables_version_bumped', true), '') <> 'yes' THEN
    UPDATE "TablesVersion" SET "version" = "version" + 1 WHERE "id" = 1;
    PERFORM set_config('agiqa.tables_version_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER "Run_completed_inserted" AFTER INSERT ON "Run" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW."status" = 'completed') EXECUTE FUNCTION "bump_tables_version"();
CREATE CONSTRAINT TRIGGER "Run_completed_or_archival_updated" AFTER UPDATE ON "Run" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD."status" = 'completed' OR NEW."status" = 'completed' OR OLD."archivedAt" IS DISTINCT FROM NEW."archivedAt")
  EXECUTE FUNCTION "bump_tables_version"();
CREATE CONSTRAINT TRIGGER "Run_completed_deleted" AFTER DELETE ON "Run" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD."status" = 'completed') EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "Run_truncated" AFTER TRUNCATE ON "Run" FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();

CREATE CONSTRAINT TRIGGER "Sweep_changed" AFTER INSERT OR UPDATE OR DELETE ON "Sweep" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "Sweep_truncated" AFTER TRUNCATE ON "Sweep" FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();

CREATE CONSTRAINT TRIGGER "Dataset_changed" AFTER INSERT OR UPDATE OR DELETE ON "Dataset" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "Dataset_truncated" AFTER TRUNCATE ON "Dataset" FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();

CREATE CONSTRAINT TRIGGER "TimingMeasurement_changed" AFTER INSERT OR UPDATE OR DELETE ON "TimingMeasurement" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "TimingMeasurement_truncated" AFTER TRUNCATE ON "TimingMeasurement" FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
