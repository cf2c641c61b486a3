import { DigestParseError, parseDigest, reportInputSchema, type Report } from '../../ingest';
import { SLUG_RE } from '../../ingest/schema';
import type { GraphQLContext } from '../../graphql/context';
import { badUserInput } from '../../graphql/errors';
import { parseInput } from '../../graphql/input';
import { requirePublish } from '../auth/auth.service';
import { storeReport, type StoreResult } from './publishing.service';

/** The publish mutations' rules: a publish credential, the ingestion schema, one transaction. */
export async function publishStructured(ctx: GraphQLContext, input: unknown): Promise<StoreResult> {
  requirePublish(ctx);
  return storeReport(ctx.db, parseInput(reportInputSchema, input, 'input'));
}

export async function publishMarkdown(ctx: GraphQLContext, markdown: string, slug: string | null): Promise<StoreResult> {
  requirePublish(ctx);
  if (slug !== null && !SLUG_RE.test(slug)) throw badUserInput('slug', 'letters, digits, ".", "_" and "-", at most 200');
  let report: Report;
  try {
    report = parseDigest(markdown);
  } catch (err) {
    if (err instanceof DigestParseError) {
      throw badUserInput('markdown', err.message, { line: err.line, field: err.field });
    }
    throw err;
  }
  return storeReport(ctx.db, slug ? { ...report, slug } : report);
}
