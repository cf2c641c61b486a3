import { cliDatabase, runCli as runCliWithin, CLI_TEST_TIMEOUT_MS } from '../support/cli';
import { EXAMPLES_DIR } from '../support/corpus';

/** Each run starts a process that opens (and on PGlite migrates) the database: slow on a loaded machine. */
const runCli = (args: string[], env: Record<string, string>) => runCliWithin(args, env, 180_000);

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

describe('digestql entities (the real CLI)', () => {
  const cli = cliDatabase('entities');

  beforeAll(async () => {
    const ingested = await runCli(['ingest', '--quiet', EXAMPLES_DIR], cli.env);
    expect(ingested.code).toBe(0);
  }, CLI_TEST_TIMEOUT_MS);

  it('aliases an entity (merging the one of that name), lists aliases and removes one', async () => {
    expect((await runCli(['entities', 'aliases'], cli.env)).stdout).toBe('no aliases\n');
    const aliased = await runCli(['entities', 'alias', 'Reward  Models', '獎勵模型'], cli.env);
    expect(aliased.stderr).toBe('');
    expect(aliased.code).toBe(0);
    // The English digest's "reward models" (one mention) joined the Chinese entity (one mention).
    expect(aliased.stdout).toBe('"Reward  Models" is now an alias of "獎勵模型" (key 獎勵模型, 2 published mentions)\n');
    const chained = await runCli(['entities', 'alias', 'RM', 'reward models'], cli.env);
    expect(chained.stdout).toBe('"RM" is now an alias of "獎勵模型" (key 獎勵模型, 2 published mentions)\n');
    const listed = await runCli(['entities', 'aliases'], cli.env);
    expect(listed.stdout).toBe('Reward Models  →  獎勵模型  (key reward models → 獎勵模型)\nRM  →  獎勵模型  (key rm → 獎勵模型)\n');
    const removed = await runCli(['entities', 'unalias', 'rm'], cli.env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe('"rm" is no longer an alias of "獎勵模型"\n');
  }, CLI_TEST_TIMEOUT_MS);

  it('explains refusals (exit 1) and usage errors (exit 2), changing nothing', async () => {
    const unknown = await runCli(['entities', 'alias', 'RLHF2', 'No Such Entity'], cli.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('digestql entities: canonical: no entity is named "No Such Entity" (key "no such entity"); name an entity that items mention\n');
    const self = await runCli(['entities', 'alias', 'rlhf', 'RLHF'], cli.env);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('an entity cannot be its own alias');
    const cycle = await runCli(['entities', 'alias', '獎勵模型', 'Reward Models'], cli.env);
    expect(cycle.code).toBe(1);
    expect(cycle.stderr).toContain('would make a cycle');
    const notAlias = await runCli(['entities', 'unalias', 'RM'], cli.env);
    expect(notAlias.code).toBe(1);
    expect(notAlias.stderr).toContain('alias: "RM" is not an alias');
    const usage = await runCli(['entities', 'alias', 'only-one'], cli.env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('alias needs <name> and <canonical>');
    const flag = await runCli(['entities', 'aliases', '--bogus'], cli.env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--bogus'");
    expect((await runCli(['entities', 'aliases'], cli.env)).stdout).toBe('Reward Models  →  獎勵模型  (key reward models → 獎勵模型)\n');
  }, CLI_TEST_TIMEOUT_MS);
});
