import type { EntityRef } from './model';
import { normaliseKey } from './normalise';

/** Entity lists are written with ASCII or full-width commas, enumeration commas or semicolons. */
const ENTITY_SEPARATORS = /[,，、;；]/;

export function splitEntities(text: string): string[] {
  return text
    .split(ENTITY_SEPARATORS)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 0);
}

/** One entity per normalised key, first display name wins: `GPT-OSS` and `gpt-oss` are one. */
export function toEntityRefs(names: string[]): EntityRef[] {
  const byKey = new Map<string, EntityRef>();
  for (const name of names) {
    const display = name.replace(/\s+/g, ' ').trim();
    const key = normaliseKey(display);
    if (key && !byKey.has(key)) byKey.set(key, { name: display, key });
  }
  return [...byKey.values()];
}
