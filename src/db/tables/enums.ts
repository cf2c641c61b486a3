import { pgEnum } from 'drizzle-orm/pg-core';

export const importanceEnum = pgEnum('importance', ['HIGH', 'MEDIUM', 'LOW']);
export const sourceKindEnum = pgEnum('source_kind', ['WEB', 'ARXIV', 'UNRESOLVED']);
