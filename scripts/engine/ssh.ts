// The one module that owns ssh2: one connection per node, reused, opened on first use.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path/posix';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { LabError } from '../core/errors.ts';
import type { SshTarget } from '../providers/types.ts';
import type { ExecOptions, ExecResult, Remote } from './remote.ts';

/** Quotes one argument for a POSIX shell: the remote side of SSH always gets a string. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_/.:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: string[], root: boolean, user: string): string {
  const quoted = argv.map(shellQuote).join(' ');
  return root && user !== 'root' ? `sudo -n ${quoted}` : quoted;
}

/** An open, logged-in SSH connection: what a provider's SSH probe may hand over instead of closing. */
export type SshConnection = Client;

interface Conn {
  client: Client;
  target: SshTarget;
  sftp?: Promise<SFTPWrapper>;
}

/** Connects to a target, retrying until the deadline: a booting machine refuses for a while. */
export async function connect(target: SshTarget, timeoutMs = 60_000): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  const key = readFileSync(target.privateKeyPath);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await connectOnce(target, key, Math.min(10_000, Math.max(1000, deadline - Date.now())));
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new LabError('SSH_UNREACHABLE', `Cannot reach ${target.user}@${target.host}:${target.port} by SSH`, {
    hint: 'Is the machine running? `npm run lab:status` shows it; `npm run lab:up` starts it.',
    cause: last,
  });
}

function connectOnce(target: SshTarget, privateKey: Buffer, readyTimeout: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client));
    // `on`, not `once`: ssh2 can emit a second error (e.g. after a handshake timeout), and an error
    // event without a listener would crash the process.
    client.on('error', (e) => {
      client.end();
      reject(e);
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey,
      readyTimeout,
      keepaliveInterval: 5000,
      keepaliveCountMax: 3,
      // Lab machines are recreated with new host keys; the lab key is what authenticates.
      hostVerifier: () => true,
    });
  });
}

/** A Remote over SSH, with the target of each node resolved lazily by the provider. */
export class SshRemote implements Remote {
  private readonly conns = new Map<string, Promise<Conn>>();

  constructor(private readonly targetOf: (node: string) => Promise<SshTarget>) {}

  private conn(node: string): Promise<Conn> {
    let c = this.conns.get(node);
    if (!c) {
      c = (async () => {
        const target = await this.targetOf(node);
        const client = await connect(target);
        client.on('close', () => this.conns.delete(node));
        client.on('error', () => this.conns.delete(node));
        return { client, target };
      })();
      c.catch(() => this.conns.delete(node));
      this.conns.set(node, c);
    }
    return c;
  }

  /**
   * Takes a connection someone else logged in with (a provider's probe that the node accepts SSH) as
   * this node's, instead of logging in again: each login costs a booting node about 100 ms of CPU.
   * One this remote already has wins; the other is closed.
   */
  adopt(node: string, client: SshConnection, target: SshTarget): void {
    if (this.conns.has(node)) {
      client.end();
      return;
    }
    client.on('close', () => this.conns.delete(node));
    client.on('error', () => this.conns.delete(node));
    this.conns.set(node, Promise.resolve({ client, target }));
  }

  /** Forgets a node's connection, e.g. after it was halted; the next call reconnects. */
  drop(node: string): void {
    const c = this.conns.get(node);
    this.conns.delete(node);
    c?.then((x) => x.client.end()).catch(() => {});
  }

  async exec(node: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const { client, target } = await this.conn(node);
    const command = commandLine(argv, opts.root ?? true, target.user);
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    return collect(node, command, channel, opts, started);
  }

  async put(node: string, path: string, content: string | Buffer, mode = 0o644): Promise<void> {
    const { target } = await this.conn(node);
    if (target.user === 'root') {
      const sftp = await this.sftp(node);
      await sftpMkdirp(sftp, dirname(path));
      await new Promise<void>((resolve, reject) =>
        sftp.writeFile(path, content, { mode }, (e) => (e ? reject(e) : resolve())),
      );
      await new Promise<void>((resolve, reject) =>
        sftp.chmod(path, mode, (e) => (e ? reject(e) : resolve())),
      );
      return;
    }
    // Not root (Vagrant): stream through sudo so the file lands where only root may write.
    const script = 'umask 077; mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"';
    const r = await this.exec(node, ['sh', '-c', script, 'put', path, mode.toString(8)], { stdin: content });
    if (r.code !== 0)
      throw new LabError('SSH_PUT_FAILED', `Writing ${path} on ${node} failed: ${r.stderr.trim()}`);
  }

  async get(node: string, path: string): Promise<Buffer> {
    const r = await this.exec(node, ['base64', '-w0', path]);
    if (r.code !== 0)
      throw new LabError('SSH_GET_FAILED', `Reading ${path} on ${node} failed: ${r.stderr.trim()}`);
    return Buffer.from(r.stdout.trim(), 'base64');
  }

  private async sftp(node: string): Promise<SFTPWrapper> {
    const c = await this.conn(node);
    c.sftp ??= new Promise((resolve, reject) => c.client.sftp((e, s) => (e ? reject(e) : resolve(s))));
    return c.sftp;
  }

  async close(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((c) => c.then((x) => x.client.end()).catch(() => {})));
  }
}

async function sftpMkdirp(sftp: SFTPWrapper, dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  let path = '';
  for (const part of parts) {
    path += `/${part}`;
    await new Promise<void>((resolve) => sftp.mkdir(path, () => resolve()));
  }
}

function collect(
  node: string,
  command: string,
  ch: ClientChannel,
  opts: ExecOptions,
  started: number,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const partial = { stdout: '', stderr: '' };
    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (stream === 'stdout') stdout += text;
      else stderr += text;
      if (!opts.onLine) return;
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) opts.onLine(stream, line);
    };
    ch.on('data', onData('stdout'));
    ch.stderr.on('data', onData('stderr'));
    let timer: NodeJS.Timeout | undefined;
    const abort = () => {
      ch.signal('KILL');
      ch.close();
      reject(new LabError('SSH_ABORTED', `Stopped: ${command} on ${node}`));
    };
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        ch.signal('KILL');
        ch.close();
        reject(
          new LabError('SSH_TIMEOUT', `Timed out after ${opts.timeoutMs} ms: ${command} on ${node}`, {
            hint: 'See the node log under .lab/<lab>/logs/ for where it stopped.',
          }),
        );
      }, opts.timeoutMs);
    }
    if (opts.signal?.aborted) return abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    // Exit code 255 alone hides why: say whether a signal killed the command or the channel just closed.
    let exited: string | undefined;
    ch.on('exit', (code: number | null, signal?: string) => {
      exited = code === null ? `killed by signal SIG${signal ?? '?'}` : 'exited';
    });
    ch.on('close', (code: number | null) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', abort);
      for (const s of ['stdout', 'stderr'] as const)
        if (partial[s] && opts.onLine) opts.onLine(s, partial[s]);
      if (code === null || code === undefined) {
        const why = `(${command} on ${node}: ${exited && exited !== 'exited' ? exited : 'the SSH channel closed without an exit status: the connection or the node went away'})`;
        stderr += `${why}\n`;
        opts.onLine?.('stderr', why);
      }
      resolve({ node, command, code: code ?? 255, stdout, stderr, ms: Date.now() - started });
    });
    if (opts.stdin !== undefined) ch.end(opts.stdin);
    else ch.end();
  });
}
