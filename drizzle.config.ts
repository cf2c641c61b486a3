import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from src/db/tables; `digestql migrate` applies them (see README).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/tables/index.ts',
  out: './migrations',
});
