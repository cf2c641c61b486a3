/** Where this page's server answers GraphQL over WebSocket: the same host, the same path. */
export const graphqlWsUrl = (): string => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
