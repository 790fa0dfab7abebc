import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { LOG_FORMATS, LOG_LEVELS, LogConfig } from './config/server-config';

type Format = (typeof LOG_FORMATS)[number];
type Level = (typeof LOG_LEVELS)[number];

/** Each config level and the Nest levels it lets through ("info" is Nest's "log"). */
const NEST_LEVELS: Record<Level, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** `--log-format json|text` and `--log-level <level>` (or `--flag=value`); they override the config. */
export function logOptionsFrom(argv: string[]): { format?: Format; level?: Level } {
  const value = (flag: string) => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    return i < 0 ? undefined : argv[i].includes('=') ? argv[i].slice(flag.length + 1) : argv[i + 1];
  };
  const format = value('--log-format');
  const level = value('--log-level');
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) throw new Error(`--log-format must be one of ${LOG_FORMATS.join(', ')}`);
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return { format: format as Format | undefined, level: level as Level | undefined };
}

/**
 * The server's logger: Nest's own ConsoleLogger, in JSON mode for `format: json` (one object per
 * line: level, pid, timestamp, context, message). Every Snorky line already goes through Nest's
 * Logger, so no adapter is needed. SNORKY_DEBUG=1 still turns on debug lines.
 */
export function serverLogger(config: Partial<LogConfig>, env: NodeJS.ProcessEnv): ConsoleLogger {
  const level: Level = env.SNORKY_DEBUG ? 'verbose' : (config.level ?? 'info');
  const json = config.format === 'json';
  return new ConsoleLogger({ json, colors: json ? false : undefined, logLevels: NEST_LEVELS[level] });
}
