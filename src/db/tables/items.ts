import { sql, type SQL } from 'drizzle-orm';
import { boolean, customType, index, integer, jsonb, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { LabelledBlock } from '../../ingest';
import { importanceEnum } from './enums';
import { reports } from './reports';
import { sections } from './sections';

/** Written as a tsvector literal built by the application (src/modules/search/search-doc.ts). */
const tsvector = customType<{ data: string; driverData: string }>({
  dataType: () => 'tsvector',
  // Cast in SQL: a literal sent as text must not depend on a driver's parameter typing.
  toDriver: (literal: string): SQL => sql`${literal}::tsvector`,
});

export const items = pgTable(
  'items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reportId: uuid('report_id').notNull().references(() => reports.id, { onDelete: 'cascade' }),
    sectionId: uuid('section_id').notNull().references(() => sections.id, { onDelete: 'cascade' }),
    /** Copies of the report's and section's values, so item filters and ordering need no join. */
    sectionKey: text('section_key').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }).notNull(),
    draft: boolean('draft').notNull(),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    summary: text('summary'),
    details: text('details'),
    applications: text('applications'),
    body: text('body'),
    importance: importanceEnum('importance'),
    /** HIGH 3, MEDIUM 2, LOW 1, none 0: `minImportance` is a range scan. */
    importanceRank: smallint('importance_rank').notNull().default(0),
    extra: jsonb('extra').$type<LabelledBlock[]>().notNull().default(sql`'[]'::jsonb`),
    /** Hash of everything a subscriber sees; a re-publish that changes it is an UPDATE. */
    contentHash: text('content_hash').notNull(),
    /**
     * Folded search tokens, weighted (title and entities A, summary B, the rest C), written in the
     * publish transaction. Null until built: rows older than the column are filled at migrate time.
     */
    search: tsvector('search'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('items_feed_idx').on(t.publishedAt.desc(), t.position, t.id).where(sql`NOT ${t.draft}`),
    index('items_importance_feed_idx').on(t.importanceRank, t.publishedAt.desc(), t.position, t.id).where(sql`NOT ${t.draft}`),
    index('items_report_idx').on(t.reportId, t.position),
    index('items_section_idx').on(t.sectionId, t.position),
    index('items_search_idx').using('gin', t.search).where(sql`NOT ${t.draft}`),
  ],
);
