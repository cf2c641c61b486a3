/**
 * npm run bench:executor — graphql-js against graphql-jit (a compiled executor) on the miss path
 * of the response cache (issue 14): the full report page executed with the same schema, resolvers
 * and context as the server, on real Postgres (BENCH_DATABASE_URL), one report stored.
 *
 * Two measures per executor, each over BENCH_ROUNDS executions after a warm-up, one at a time:
 * - "fresh": a new context (new DataLoaders) each time, as a request gets: SQL included;
 * - "warm": one context reused, its loaders holding every row: the executor's own work alone.
 * Each includes serialising the result (JSON.stringify for graphql-js; graphql-jit's compiled
 * stringify). Prints a Markdown table with the median and p90 per execution.
 */
import { execute, parse, type ExecutionResult } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { openDatabase } from '../src/db/client';
import type { RealtimeContext } from '../src/graphql/context';
import { DEFAULT_LIMITS } from '../src/graphql/limits';
import { OperationCore } from '../src/graphql/operation';
import { buildSchema } from '../src/graphql/schema';
import { storeReport } from '../src/modules/publishing/publishing.service';
import { createLogger } from '../src/observability/logger';
import { FULL_REPORT_PAGE } from '../tests/support/queries';
import { NEWEST_INDEX, syntheticDigest } from './corpus';
import { freshDatabase } from './setup';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `${at(0.5).toFixed(2)} / ${at(0.9).toFixed(2)}`;
}

async function time(run: () => Promise<string>): Promise<{ ms: number[]; bytes: string }> {
  let bytes = '';
  for (let i = 0; i < 30; i++) bytes = await run();
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = process.hrtime.bigint();
    bytes = await run();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms, bytes };
}

async function main(): Promise<void> {
  const url = await freshDatabase('digestql_bench_executor');
  const database = await openDatabase({ url });
  await database.migrate();
  const report = syntheticDigest(NEWEST_INDEX);
  await storeReport(database.db, report);
  const schema = buildSchema('bench');
  const core = new OperationCore({
    schema,
    db: database.db,
    log: createLogger('silent'),
    auth: { db: database.db, publishToken: undefined, publicRead: true },
    rateLimits: null,
    limits: DEFAULT_LIMITS,
    maxPageSize: 50,
    webhookPolicy: { allow: [] },
    introspection: false,
    hideSuggestions: true,
  });
  const realtime = {} as RealtimeContext;
  const contextValue = () => core.context({ requestId: 'bench', auth: { principal: 'anonymous', keyId: null, scopes: ['read'] }, ip: null }, realtime);
  const document = parse(FULL_REPORT_PAGE);
  const variableValues = { slug: report.slug };
  const compiled = compileQuery(schema, document);
  if (!isCompiledQuery(compiled)) throw new Error(`graphql-jit could not compile the query: ${JSON.stringify(compiled.errors)}`);

  const js = (ctx: unknown) => async () => JSON.stringify(await (execute({ schema, document, variableValues, contextValue: ctx }) as Promise<ExecutionResult>));
  const jit = (ctx: unknown) => async () => compiled.stringify(await (compiled.query(undefined, ctx, variableValues) as Promise<ExecutionResult>));
  const warm = contextValue();
  const rows: [string, { ms: number[]; bytes: string }][] = [
    ['graphql-js, fresh context (SQL included)', await time(() => js(contextValue())())],
    ['graphql-jit, fresh context (SQL included)', await time(() => jit(contextValue())())],
    ['graphql-js, warm loaders (execution alone)', await time(js(warm))],
    ['graphql-jit, warm loaders (execution alone)', await time(jit(warm))],
  ];
  await database.close();
  const same = JSON.stringify(JSON.parse(rows[0]![1].bytes)) === JSON.stringify(JSON.parse(rows[1]![1].bytes));
  console.log(`| executor | ms per execution, median / p90 (${ROUNDS} runs) | bytes |`);
  console.log('| --- | --- | --- |');
  for (const [name, r] of rows) console.log(`| ${name} | ${stats(r.ms)} | ${r.bytes.length} |`);
  console.log(`\nSame data from both executors: ${same}`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
