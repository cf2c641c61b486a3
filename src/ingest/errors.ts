/**
 * The one error ingestion throws for bad input. It names the file, the line and the field,
 * so a generator author can fix the digest without reading a stack trace.
 */
export class DigestParseError extends Error {
  override readonly name = 'DigestParseError';
  constructor(
    readonly reason: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly file: string | null = null,
  ) {
    super(DigestParseError.format(reason, line, field, file));
  }

  /** The same error, attributed to a file (the parser itself never knows file names). */
  inFile(file: string): DigestParseError {
    return new DigestParseError(this.reason, this.line, this.field, file);
  }

  private static format(reason: string, line: number | null, field: string | null, file: string | null): string {
    const where = [file, line === null ? null : `line ${line}`].filter((x) => x !== null).join(':');
    const what = field ? `${field}: ${reason}` : reason;
    return where ? `${where}: ${what}` : what;
  }
}
