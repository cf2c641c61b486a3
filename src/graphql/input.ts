import { z } from 'zod';
import { badUserInput, type ApiError } from './errors';
import { findUnstorable } from './unstorable-text';

/**
 * The boundary every mutation's input crosses: one zod parse that checks it and copies it into
 * plain data. graphql-js builds input objects written inline in a document with a null prototype,
 * which drizzle cannot write into jsonb; zod's output is made of ordinary objects and arrays.
 * A refusal names the argument and the field (`input.filter.tags`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, argument: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw inputError(parsed.error, argument);
  // After the schema, which may say more (a digest names the line): text no column can hold.
  const unstorable = findUnstorable(parsed.data);
  if (unstorable) throw badUserInput([argument, ...unstorable.path].join('.'), unstorable.why, { field: unstorable.path.join('.') });
  return parsed.data;
}

export function inputError(error: z.ZodError, argument: string): ApiError {
  const issue = error.issues[0]!;
  // An unknown field is named itself, not the object that holds it.
  const path = [...issue.path.map(String), ...(issue.code === 'unrecognized_keys' ? [issue.keys[0]!] : [])];
  return badUserInput([argument, ...path].join('.'), issue.message, { field: path.join('.') });
}

/** An object that refuses fields it does not know, saying which ones it does. */
export function strictInput<T extends z.ZodRawShape>(shape: T, like: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field "${iss.keys[0]}" (${known})` : `must be an object like ${like}`),
  });
}
