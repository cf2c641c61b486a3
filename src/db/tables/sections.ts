import { boolean, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { reports } from './reports';

export const sections = pgTable(
  'sections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reportId: uuid('report_id').notNull().references(() => reports.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    title: text('title').notNull(),
    titleEn: text('title_en'),
    position: integer('position').notNull(),
    prose: boolean('prose').notNull().default(false),
    body: text('body'),
  },
  // The unique key also serves "sections of these reports" lookups (leading report_id).
  (t) => [unique('sections_report_key_key').on(t.reportId, t.key)],
);
