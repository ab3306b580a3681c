/** The longest description passed on: a status line and an error's message fit; a long text does not come along. */
const MAX_LENGTH = 300;

/** The OTLP exporter's error once it has retried a 429, 502, 503 or 504 answer until its timeout: it keeps no status. */
const RETRYABLE_STATUS = 'Export failed with retryable status';

/**
 * What the OTLP exporter said about a batch it could not send, for operators: the
 * collector's HTTP status and message (OTLPExporterError, whose `code` is the status),
 * or the network error (`connect ECONNREFUSED 10.0.0.9:4318`, `Request timed out`; for
 * a host with several addresses, each address's error). The answer's body (the
 * error's `data`) is left out, and so is any user and password in a URL. Never
 * throws, whatever the exporter handed over.
 */
export function describeExportFailure(error: unknown): string {
  try {
    return mask(describe(error)).slice(0, MAX_LENGTH);
  } catch {
    return 'the exporter gave a reason that could not be read';
  }
}

function describe(error: unknown): string {
  if (error === undefined || error === null) return 'the exporter gave no reason';
  // Read by shape, not `instanceof Error`: Node's own errors may come from another realm.
  if (typeof error !== 'object') return String(error);
  const { message, name, code, errors } = error as { message?: unknown; name?: unknown; code?: unknown; errors?: unknown };
  const said = typeof message === 'string' ? message : '';
  if (typeof code === 'number') return `HTTP ${code}${said ? ` ${said}` : ''}`;
  if (said === RETRYABLE_STATUS) return 'the collector answered 429, 502, 503 or 504 until the export timed out';
  if (said) return said;
  // Node's AggregateError when every address of the host failed: no message of its own.
  if (Array.isArray(errors) && errors.length > 0) return errors.map((e: unknown) => describe(e)).join('; ');
  if (typeof code === 'string') return code;
  return typeof name === 'string' && name ? name : String(error);
}

function mask(text: string): string {
  return text.replace(/\/\/[^/\s]*@/g, '//***@');
}
