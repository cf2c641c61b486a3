import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/**
 * The instants digestql stores and compares: years 0001 to 9999. Postgres's timestamptz refuses
 * year 0 (and drivers send years past 9999 in a form it cannot read), so an instant outside this
 * range is refused where it enters, naming its value, never left to fail in a statement.
 */
export const MIN_INSTANT = new Date('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT = new Date('9999-12-31T23:59:59.999Z');

export const INSTANT_RANGE_MESSAGE = 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z';

export function inInstantRange(d: Date): boolean {
  const t = d.getTime();
  return !Number.isNaN(t) && t >= MIN_INSTANT.getTime() && t <= MAX_INSTANT.getTime();
}

function checked(d: Date): Date {
  if (!inInstantRange(d)) throw new TypeError(`DateTime ${INSTANT_RANGE_MESSAGE}, got ${JSON.stringify(d.toISOString())}`);
  return d;
}

/** graphql-scalars' DateTime (RFC 3339), limited to the instants the database holds. */
export const DateTimeScalar = new GraphQLScalarType<Date, Date | string>({
  ...DateTimeResolver.toConfig(),
  parseValue: (value) => checked(DateTimeResolver.parseValue(value) as Date),
  parseLiteral: (ast, variables) => checked(DateTimeResolver.parseLiteral(ast, variables) as Date),
});
