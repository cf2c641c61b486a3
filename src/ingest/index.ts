export { DigestParseError } from './errors';
export type { EntityRef, Importance, Item, LabelledBlock, Report, Section, Source, SourceKind } from './model';
export { normaliseKey, foldText } from './normalise';
export { parseDigest, type ParseOptions } from './parse';
export { renderDigest } from './render';
export { digestInstant, reportInputSchema, type ReportInput } from './schema';
export { mentions } from './tags';
export { detectLanguage } from './language';
export { unsafeTextReason } from './text-safety';
