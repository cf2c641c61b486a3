import { parse } from '/work/main/node_modules/graphql';
import { buildSchema } from '/work/main/src/server/schema';
import { operationCost } from '/work/main/src/server/limits';
const q = `query($slug: String!) { report(slug: $slug) {
  id slug title keywords tags stats { articleCount }
  sections { id key title body sources { url } report { slug }
    items { id title summary details importance tags
      entities { id name key mentionCount firstSeen lastSeen }
      sources { label url kind domain }
      section { key } report { slug } } } } }`;
console.log(operationCost(buildSchema('x'), parse(q), null, { slug: 'x' }));
