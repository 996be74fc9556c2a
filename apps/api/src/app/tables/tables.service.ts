import type {
  PaperTablesQuery,
  SettingsComparison,
  SettingsList,
  SettingsQuery,
  SignificanceQuery,
  Table1,
  Table1Query,
  Table2,
  Table3,
  TimingQuery,
  TimingTable,
} from '@agiqa/contracts';
import { getTable1, getTable2, getTable3, getTimingTable, listSettings, matchedReplicates, TablesCache } from '@agiqa/db';
import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';

/**
 * Rebuilds the paper's tables from Postgres under one aggregation rule (libs/db `tables/`: a
 * replicate counts once, unfinished sweeps only when asked, one setting at a time), and compares
 * two settings over their matched replicates. Every answer is kept until something it reads
 * changes (`TablesCache`: one version row bumped by triggers in the writing transaction), so
 * repeated reads between two runs completing cost one small query.
 */
@Injectable()
export class TablesService {
  private tablesCache?: TablesCache;

  constructor(private readonly database: DatabaseService) {}

  table1(query: Table1Query): Promise<Table1> {
    return this.cache.get('table1', withoutFormat(query), () => getTable1(this.database.prisma, query));
  }

  table2(query: PaperTablesQuery): Promise<Table2> {
    return this.cache.get('table2', withoutFormat(query), () => getTable2(this.database.prisma, query));
  }

  table3(query: PaperTablesQuery): Promise<Table3> {
    return this.cache.get('table3', withoutFormat(query), () => getTable3(this.database.prisma, query));
  }

  timing(query: TimingQuery): Promise<TimingTable> {
    return this.cache.get('timing', withoutFormat(query), () => getTimingTable(this.database.prisma, query));
  }

  settings(query: SettingsQuery): Promise<SettingsList> {
    return this.cache.get('settings', query, () => listSettings(this.database.prisma, query));
  }

  /** Paired t and Wilcoxon signed-rank per cell over matched replicates, Holm-adjusted across cells. */
  significance(query: SignificanceQuery): Promise<SettingsComparison> {
    return this.cache.get('significance', query, async () => {
      const matched = await matchedReplicates(this.database.prisma, query);
      // The statistics come from @agiqa/model, whose barrel also carries the ML runtimes: load them
      // on the first comparison rather than at API start (as the runs comparison does).
      const { compareMatched } = await import('./replicate-significance.js');
      return compareMatched(matched, query);
    });
  }

  /** Created on first use: the database is connected by then. */
  private get cache(): TablesCache {
    this.tablesCache ??= new TablesCache(this.database.prisma);
    return this.tablesCache;
  }
}

/** A table's cache key: the export format (JSON, LaTeX, CSV, Markdown) renders the same table. */
function withoutFormat<Q extends { format?: unknown }>(query: Q): Omit<Q, 'format'> {
  const { format: _format, ...rest } = query;
  return rest;
}
