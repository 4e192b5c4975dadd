import { describe, expect, it } from 'vitest';
import { COMMAND_OPTIONS, COMMANDS, GLOBAL_OPTIONS, parse } from '../../scripts/cli/args.ts';
import { commandHelp, generalHelp, HELP, helpFor } from '../../scripts/cli/help.ts';

describe('lab help', () => {
  it.each(COMMANDS)('%s has a usage, a summary and at least one example', (command) => {
    expect(HELP[command].usage.split(' ')[0]).toBe(command);
    expect(HELP[command].summary).not.toBe('');
    expect(HELP[command].examples.length).toBeGreaterThan(0);
  });

  it.each(COMMANDS)('the help of %s mentions every option it takes, and the global ones', (command) => {
    const text = commandHelp(command);
    for (const option of [...COMMAND_OPTIONS[command], ...GLOBAL_OPTIONS])
      expect(text, `--${option}`).toContain(`--${option}`);
  });

  it.each(COMMANDS)('the help of %s documents no option it would refuse', (command) => {
    const documented = HELP[command].options.flatMap(([flag]) => flag.match(/--[a-z-]+/g) ?? []);
    const taken = new Set(COMMAND_OPTIONS[command].map((o) => `--${o}`));
    expect(documented.filter((f) => !taken.has(f))).toEqual([]);
  });

  it('lists every command and the exit codes', () => {
    const text = generalHelp();
    for (const command of COMMANDS) expect(text).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(text).toContain('Exit codes: 0 ok');
  });

  it('prints the same text for `help COMMAND`, `COMMAND --help` and `COMMAND -h`', () => {
    const viaHelp = helpFor(parse(['help', 'up']));
    expect(helpFor(parse(['up', '--help']))).toBe(viaHelp);
    expect(helpFor(parse(['up', '-h']))).toBe(viaHelp);
    expect(viaHelp).toMatch(/^Usage: npm run lab -- up \[--only ROLES\]/);
    expect(viaHelp).toContain('npm run lab:up -- --machines-only');
  });

  it('prints the list for `help` and for no command at all', () => {
    expect(helpFor(parse(['help']))).toBe(generalHelp());
    expect(helpFor(parse([]))).toBe(generalHelp());
  });

  it('refuses help for a command that does not exist', () => {
    expect(() => helpFor(parse(['help', 'upp']))).toThrow(
      expect.objectContaining({ code: 'USAGE', message: "Unknown command 'upp'" }),
    );
  });
});

describe('help of snapshots and reset', () => {
  it('says what reset returns to and that only up --snapshot takes it', () => {
    expect(commandHelp('reset')).toMatch(/`up --snapshot`/);
    expect(commandHelp('reset')).toMatch(/Booted only, when every service comes back by itself/);
    expect(commandHelp('reset')).toContain('--provision');
    expect(commandHelp('snapshot')).toContain('restore NAME [--provision]');
    expect(commandHelp('up')).toMatch(/saves the snapshot `up`.*unless the lab file changed/);
    expect(commandHelp('up')).toContain('--snapshot');
  });

  it('lists every snapshot action with an example', () => {
    const text = commandHelp('snapshot');
    for (const action of ['save NAME', 'restore NAME', 'list', 'delete NAME']) expect(text).toContain(action);
    expect(text).toContain('npm run lab:snapshot -- save before-drill');
  });

  it('says what status --all can see', () => {
    expect(commandHelp('status')).toMatch(/--all .*bridges \(nhl-\*\) and cgroups/);
  });
});
