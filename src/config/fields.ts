import { z } from 'zod';

/**
 * Parsers of single environment variables. Every error message starts with the
 * variable's name. Values arrive as strings; empty strings were removed before parsing
 * (unset), so defaults apply to them too.
 */

/** Booleans as the old Python service and shells write them, in any case: true/false, 1/0, yes/no, on/off. */
const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

function booleanText(name: string) {
  return z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => TRUE.includes(v) || FALSE.includes(v), { error: `${name} must be true or false (also 1/0, yes/no, on/off, in any case)` })
    .transform((v) => TRUE.includes(v));
}

/** A boolean with a default. */
export const bool = (name: string, fallback: boolean) => booleanText(name).default(fallback);

/** A boolean whose absence means something of its own (e.g. "depends on NODE_ENV"). */
export const optionalBool = (name: string) => booleanText(name).optional();

/** A whole number in [min, max], surrounding white space ignored. */
export const int = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v.trim()), { error: `${name} must be a whole number` })
    .transform((v) => Number(v.trim()))
    .refine((v) => v >= min && v <= max, { error: `${name} must be between ${min} and ${max}` });

/** An optional whole number in [min, max]: unset is `undefined`. */
export const optionalInt = (name: string, min: number, max: number) =>
  z
    .string()
    .refine((v) => /^\d+$/.test(v.trim()), { error: `${name} must be a whole number` })
    .transform((v) => Number(v.trim()))
    .refine((v) => v >= min && v <= max, { error: `${name} must be between ${min} and ${max}` })
    .optional();

/** An optional URL with one of `protocols` (e.g. `['redis:', 'rediss:']`). */
export const url = (name: string, protocols: string[]) =>
  z
    .string()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, { error: `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` })
    .optional();

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Python's logging level names, as the old service's LOG_LEVEL used them, mapped to
 * pino's. NOTSET makes Python's root logger emit everything, hence `trace`.
 */
export const PYTHON_LOG_LEVELS: Readonly<Record<string, LogLevel>> = Object.freeze({
  critical: 'fatal',
  warning: 'warn',
  notset: 'trace',
});

/** A pino level or a Python level name, in any case -> pino's level. */
export const logLevel = (name: string, fallback: LogLevel) =>
  z
    .string()
    .default(fallback)
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => (LOG_LEVELS as readonly string[]).includes(v) || Object.hasOwn(PYTHON_LOG_LEVELS, v), {
      error: `${name} must be one of ${LOG_LEVELS.join(', ')} (any case; Python's CRITICAL, WARNING and NOTSET too)`,
    })
    .transform((v) => (Object.hasOwn(PYTHON_LOG_LEVELS, v) ? PYTHON_LOG_LEVELS[v]! : (v as LogLevel)));
