/**
 * GraphQL documents shared by tests and benchmarks, so that what the statement-count test pins
 * down is what the read benchmark measures.
 */

/** A frontend's full report page: every section, item, entity and source, with back-references. */
export const FULL_REPORT_PAGE = `query($slug: String!) { report(slug: $slug) {
  id slug title keywords tags stats { articleCount }
  sections { id key title body sources { url } report { slug }
    items { id title summary details importance tags
      entities { id name key mentionCount firstSeen lastSeen }
      sources { label url kind domain }
      section { key } report { slug } } } } }`;
