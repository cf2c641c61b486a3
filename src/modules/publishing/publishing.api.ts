import type { z } from 'zod';
import { DigestParseError, parseDigest, reportInputSchema, type Report } from '../../ingest';
import { SLUG_RE } from '../../ingest/schema';
import type { GraphQLContext } from '../../server/context';
import { badUserInput } from '../../server/errors';
import { requirePublish } from '../auth/auth.service';
import { storeReport, type StoreResult } from './publishing.service';

/** The publish mutations' rules: a publish credential, the ingestion schema, one transaction. */
export async function publishStructured(ctx: GraphQLContext, input: unknown): Promise<StoreResult> {
  requirePublish(ctx);
  const parsed = reportInputSchema.safeParse(input);
  if (!parsed.success) throw zodError(parsed.error);
  return storeReport(ctx.db, parsed.data);
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

function zodError(error: z.ZodError) {
  const issue = error.issues[0]!;
  const field = ['input', ...issue.path.map(String)].join('.');
  return badUserInput(field, issue.message, { field: issue.path.join('.') });
}
