import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../db/paths';

/**
 * The browser side of the explorer and the live page: web/*.ts bundled with esbuild from
 * node_modules (GraphiQL, React, graphql-ws) into dist/web/ by `npm run build`, and served by this
 * server, never from a CDN. Without a build (development, tests) they are bundled in memory on
 * first use (esbuild is a dev dependency, so a production install must have run the build).
 */
export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export const ASSET_NAMES = ['explorer.js', 'explorer.css', 'live.js'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
const builtDir = (): string => join(packageRoot(), 'dist', 'web');

const asset = (name: string, body: Buffer): Asset => ({
  body,
  type: TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream',
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/** Bundles web/explorer.ts and web/live.ts; writes them to `outdir` when given. */
export async function bundleWebAssets(outdir?: string): Promise<Map<AssetName, Asset>> {
  // A dev dependency: loaded only when there is no build to serve.
  const esbuild = await import('esbuild');
  const root = packageRoot();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { explorer: 'web/explorer.ts', live: 'web/live.ts' },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    platform: 'browser',
    outdir: 'dist/web',
    write: false,
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl' },
    logLevel: 'silent',
  });
  const out = new Map<AssetName, Asset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    if ((ASSET_NAMES as readonly string[]).includes(name)) out.set(name as AssetName, asset(name, Buffer.from(file.contents)));
  }
  const missing = ASSET_NAMES.filter((n) => !out.has(n));
  if (missing.length) throw new Error(`web bundle lacks ${missing.join(', ')}`);
  if (outdir) {
    mkdirSync(outdir, { recursive: true });
    for (const [name, a] of out) writeFileSync(join(outdir, name), a.body);
  }
  return out;
}

let loading: Promise<Map<AssetName, Asset>> | null = null;

/** Running the TypeScript sources (tsx, jest): bundle them, a dist/web of an older build may be stale. */
const fromSources = __filename.endsWith('.ts');

/** The assets: from dist/web when running the build, else bundled now (once per process). */
export function webAssets(): Promise<Map<AssetName, Asset>> {
  loading ??= (async () => {
    const dir = builtDir();
    if (!fromSources && ASSET_NAMES.every((n) => existsSync(join(dir, n)))) {
      return new Map(ASSET_NAMES.map((n) => [n, asset(n, readFileSync(join(dir, n)))] as const));
    }
    return bundleWebAssets();
  })();
  loading.catch(() => (loading = null));
  return loading;
}

// `node dist/src/server/web-assets.js`: the build step (`npm run build`).
if (require.main === module) {
  bundleWebAssets(builtDir()).then(
    (assets) => console.log(`web assets: ${[...assets].map(([n, a]) => `${n} ${Math.round(a.body.length / 1024)} KB`).join(', ')}`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
