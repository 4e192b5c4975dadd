// Progress on stderr as ✓/✗ lines; results go to stdout. No spinner: lines read well in CI and logs.
export interface Progress {
  phase(name: string, detail?: string): void;
  ok(label: string, detail?: string): void;
  fail(label: string, detail?: string): void;
  info(message: string): void;
  warn(message: string, detail?: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const color = stream.isTTY && !process.env.NO_COLOR;
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const write = (line: string) => {
    if (!quiet) stream.write(`${line}\n`);
  };
  const started = Date.now();
  const clock = () => paint('2', `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`);
  return {
    phase: (name, detail) =>
      write(`${clock()} ${paint('1', `▸ ${name}`)}${detail ? paint('2', `  ${detail}`) : ''}`),
    ok: (label, detail) =>
      write(`${clock()}   ${paint('32', '✓')} ${label}${detail ? paint('2', `  ${detail}`) : ''}`),
    fail: (label, detail) => write(`${clock()}   ${paint('31', '✗')} ${label}${detail ? `  ${detail}` : ''}`),
    info: (message) => write(`${clock()}   ${message}`),
    warn: (message, detail) =>
      write(`${clock()}   ${paint('33', '!')} ${message}${detail ? `  ${detail}` : ''}`),
  };
}

export const silentProgress: Progress = { phase() {}, ok() {}, fail() {}, info() {}, warn() {} };
