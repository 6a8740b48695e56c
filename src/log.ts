// One logger for the whole process: one event per line on stdout, the area as a field. JSON by
// default; `text` for people. Under journald (stdout is the stream JOURNAL_STREAM names) every
// line starts with its syslog priority, `<4>` for warn: journald's SyslogLevelPrefix (on by
// default) strips it and files the line at that priority, so `journalctl -p warning` finds warnings.
import { fstatSync } from 'node:fs';
import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type LogFormat = 'json' | 'text';

export interface LogOptions {
  readonly format?: LogFormat;
  /** Prefix lines with `<N>`; default: when stdout is the journal stream (stdoutIsJournal). */
  readonly journald?: boolean;
}

/** syslog priorities (sd-daemon(3)): pino's levels onto journald's. */
export const journalPriority: Readonly<Record<string, number>> = { trace: 7, debug: 7, info: 6, warn: 4, error: 3, fatal: 2 };

const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));

/** `{"level":"warn",...}` → `WARN [area] message key=value ...`; a line that is not ours passes through. */
export function textLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, area, msg, ...fields } = event;
  delete fields.pid; // journald and ps know it; it only widens every line
  const head = [str(time), str(level).toUpperCase().padEnd(5), area === undefined ? '' : `[${str(area)}]`, str(msg)].filter((p) => p !== '');
  // Strings bare unless they need quotes; numbers, arrays and objects as JSON (already unambiguous).
  const tail = Object.entries(fields).map(([key, value]) => `${key}=${typeof value !== 'string' ? str(value) : /^[^\s"=]*$/.test(value) ? value : JSON.stringify(value)}`);
  return `${[...head, ...tail].join(' ')}\n`;
}

function lineWriter(format: LogFormat, journald: boolean): ((line: string) => string) | undefined {
  if (format === 'json' && !journald) return undefined;
  return (line) => {
    const text = format === 'text' ? textLine(line) : line;
    if (!journald) return text;
    const level = /^\{"level":"(\w+)"/.exec(line)?.[1] ?? 'info';
    return `<${journalPriority[level] ?? 6}>${text}`;
  };
}

/**
 * True when stdout is the journal stream systemd connected: JOURNAL_STREAM names its device and
 * inode (systemd.exec(5)); a shell started from a service inherits the variable, not the stream.
 */
export function stdoutIsJournal(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const stream = env.JOURNAL_STREAM ?? '';
  if (stream === '') return false;
  try {
    const stat = fstatSync(1);
    return stream === `${stat.dev}:${stat.ino}`;
  } catch {
    return false;
  }
}

const formatKey = Symbol('weft.logFormat');

/** The format a logger (or a child of it: pino children inherit from their parent) was made with. */
export function logFormatOf(logger: Logger): LogFormat {
  return (logger as Logger & { [formatKey]?: LogFormat })[formatKey] ?? 'json';
}

export function createLogger(level: LogLevel = 'info', destination?: NodeJS.WritableStream, options: LogOptions = {}): Logger {
  const format = options.format ?? 'json';
  const write = lineWriter(format, options.journald ?? stdoutIsJournal());
  const pinoOptions = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names, not numbers: what an operator greps for. First in the line (lineWriter reads it).
    formatters: { level: (label: string) => ({ level: label }) },
    ...(write === undefined ? {} : { hooks: { streamWrite: write } }),
  };
  const logger = destination === undefined ? pino(pinoOptions) : pino(pinoOptions, destination);
  // Worker threads (the proxy's) make their own logger: this tells them which format to use.
  Object.defineProperty(logger, formatKey, { value: format });
  return logger;
}

/** A logger that drops everything: the default for helpers used outside the daemon (tests, CLIs). */
export const silentLogger: Logger = pino({ level: 'silent' });
