-- CreateTable
CREATE TABLE "TablesVersion" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "TablesVersion_pkey" PRIMARY KEY ("id")
);

-- The one row, and the triggers that bump it. They run inside the writing transaction, so the new
-- version becomes visible together with the change it stands for: a reader that sees version v
-- also sees every change counted in v. Runs count only when completed before or after the write
-- (the tables read completed runs only), so a training sweep's epoch-by-epoch updates of running
-- runs leave the version alone.
--
-- Statement-level triggers with transition tables ("before_rows" / "after_rows"): a bulk write
-- bumps once, not once per row (thousands of updates of one row in one transaction would each
-- walk its growing chain), and a statement that touched no row does not bump (deleting a run
-- runs `UPDATE "TimingMeasurement" SET "runId" = NULL` for its foreign key, mostly on no row).
-- Postgres allows transition tables on single-event triggers only: one trigger per event.
INSERT INTO "TablesVersion" ("id", "version") VALUES (1, 0);

-- Each transition table exists only for the events that have it, so each is read in its own
-- branch (PL/pgSQL plans a statement when it first runs it). TG_ARGV[0] = 'completed': only rows
-- whose "status" is completed count.
CREATE FUNCTION "bump_tables_version"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  completed_only boolean := TG_NARGS > 0 AND TG_ARGV[0] = 'completed';
  changed boolean := false;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF completed_only THEN
      changed := EXISTS (SELECT 1 FROM "before_rows" WHERE "status" = 'completed');
    ELSE
      changed := EXISTS (SELECT 1 FROM "before_rows");
    END IF;
  END IF;
  IF NOT changed AND TG_OP IN ('INSERT', 'UPDATE') THEN
    IF completed_only THEN
      changed := EXISTS (SELECT 1 FROM "after_rows" WHERE "status" = 'completed');
    ELSE
      changed := EXISTS (SELECT 1 FROM "after_rows");
    END IF;
  END IF;
  IF changed THEN
    UPDATE "TablesVersion" SET "version" = "version" + 1 WHERE "id" = 1;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Run_inserted" AFTER INSERT ON "Run" REFERENCING NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"('completed');
CREATE TRIGGER "Run_updated" AFTER UPDATE ON "Run" REFERENCING OLD TABLE AS "before_rows" NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"('completed');
CREATE TRIGGER "Run_deleted" AFTER DELETE ON "Run" REFERENCING OLD TABLE AS "before_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"('completed');

CREATE TRIGGER "Sweep_inserted" AFTER INSERT ON "Sweep" REFERENCING NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "Sweep_updated" AFTER UPDATE ON "Sweep" REFERENCING OLD TABLE AS "before_rows" NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "Sweep_deleted" AFTER DELETE ON "Sweep" REFERENCING OLD TABLE AS "before_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();

CREATE TRIGGER "Dataset_inserted" AFTER INSERT ON "Dataset" REFERENCING NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "Dataset_updated" AFTER UPDATE ON "Dataset" REFERENCING OLD TABLE AS "before_rows" NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "Dataset_deleted" AFTER DELETE ON "Dataset" REFERENCING OLD TABLE AS "before_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();

CREATE TRIGGER "TimingMeasurement_inserted" AFTER INSERT ON "TimingMeasurement" REFERENCING NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "TimingMeasurement_updated" AFTER UPDATE ON "TimingMeasurement" REFERENCING OLD TABLE AS "before_rows" NEW TABLE AS "after_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
CREATE TRIGGER "TimingMeasurement_deleted" AFTER DELETE ON "TimingMeasurement" REFERENCING OLD TABLE AS "before_rows"
  FOR EACH STATEMENT EXECUTE FUNCTION "bump_tables_version"();
