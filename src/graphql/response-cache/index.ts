export { ByteLru } from './byte-lru';
export { CONTENT_ROOTS, NEVER_CACHED, STATIC_ROOTS, cachePolicy, LISTS, itemTag, reportTag, type CachePolicy } from './cache-policy';
export { ResponseCache, cacheKey, canonicalJson, coercedVariables, etagOf, tagsOfEvent, type CachedResponse, type ResponseCacheStats } from './response-cache';
