import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull().unique('reports_slug_key'),
    title: text('title').notNull(),
    /** The date as the generator wrote it, offset kept (2025-11-25T06:42:17+08:00). */
    dateText: text('date_text').notNull(),
    /** The instant `dateText` stands for: what every ordering and date filter uses. */
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }).notNull(),
    draft: boolean('draft').notNull().default(false),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** The tags folded (NFKC, lower case), for filters. */
    tagKeys: text('tag_keys').array().notNull().default(sql`'{}'::text[]`),
    watchlist: text('watchlist').array().notNull().default(sql`'{}'::text[]`),
    description: text('description'),
    summary: text('summary'),
    coverImage: text('cover_image'),
    coverAlt: text('cover_alt'),
    coverRelative: boolean('cover_relative'),
    articleCount: integer('article_count'),
    topicCount: integer('topic_count'),
    collectionWindow: text('collection_window'),
    generatedAtText: text('generated_at_text'),
    intro: text('intro'),
    itemCount: integer('item_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // reports(first, after): newest first, drafts never listed.
    index('reports_published_idx').on(t.publishedAt.desc(), t.id.desc()).where(sql`NOT ${t.draft}`),
    index('reports_tag_keys_idx').using('gin', t.tagKeys),
  ],
);

export const reportKeywords = pgTable(
  'report_keywords',
  {
    reportId: uuid('report_id').notNull().references(() => reports.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    keyword: text('keyword').notNull(),
  },
  (t) => [index('report_keywords_report_idx').on(t.reportId, t.position)],
);
