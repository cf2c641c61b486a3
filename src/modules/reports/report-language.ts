import { detectLanguage } from '../../ingest';
import type { ReportRecord } from './reports.repository';

/** A report's language, from the text a reader sees first (title, description, summary, intro). */
export function reportLanguage(r: Pick<ReportRecord, 'title' | 'description' | 'summary' | 'intro'>): string {
  return detectLanguage([r.title, r.description, r.summary, r.intro].filter(Boolean).join('\n'));
}
