// What the engine, checks and drills need from a connection to a node: run a command, send a file.
export interface ExecResult {
  node: string;
  /** The command as run, for evidence and error messages. */
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface ExecOptions {
  /** Sent on the command's standard input, then closed. */
  stdin?: string | Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Run as root (sudo -n when the SSH user is not root). Default true. */
  root?: boolean;
  /** Each line of output as it arrives (for live logs). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface Remote {
  /** Runs argv on the node (quoted for the remote shell, never concatenated); resolves with any exit code. */
  exec(node: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Writes a file on the node (LF endings are the caller's business), creating parent directories. */
  put(node: string, path: string, content: string | Buffer, mode?: number): Promise<void>;
  /** Reads a file from the node. */
  get(node: string, path: string): Promise<Buffer>;
  close(): Promise<void>;
}
