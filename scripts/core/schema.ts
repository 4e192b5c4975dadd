// The strict schema of labs/<name>/lab.yaml: unknown keys are errors, every field is typed.
import { z } from 'zod';
import { ROLE_NAMES, type Role } from './roles.ts';

const ipv4 = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, 'must be an IPv4 address like 10.0.2.21');
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be a subnet like 10.0.2.0/24');
const nodeName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,11}$/,
    'must be 1-12 characters: lower-case letters, digits, dashes, starting with a letter',
  );
const roles = z.array(z.enum(ROLE_NAMES)).min(1, 'a node needs at least one role');
const memory = z.number().int().min(128).max(65536);
const cpus = z.number().int().min(1).max(64);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in lower-case hex');
const port = z.number().int().min(1).max(65535);

/**
 * How roles share a node, when they do: the port Apache moves to beside an lb, a router that is each
 * node's own HAProxy, the services that run once without replication. scripts/core/placement.ts checks it.
 */
export const placementSchema = z
  .object({
    // Apache's port (default 80): an lb on the same node holds :80 and :443.
    ports: z.object({ web: port.optional() }).strict().default({}),
    // nodes: web nodes reach MariaDB and Redis through the router VIP or the one router; local: through
    // the router of their own node, on 127.0.0.1 (one HAProxy with the lb's when the node has both).
    router: z.enum(['nodes', 'local']).default('nodes'),
    // One MariaDB without Galera (db), one Redis without Sentinel (redis): nothing to fail over to.
    standalone: z.array(z.enum(['db', 'redis'])).default([]),
  })
  .strict();

export const nodeSchema = z
  .object({
    name: nodeName,
    ip: ipv4,
    roles,
    memory: memory.optional(),
    cpus: cpus.optional(),
  })
  .strict();

export const labSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    description: z.string().optional(),
    network: z.object({ subnet: cidr }).strict(),
    vips: z.object({ front: ipv4.optional(), router: ipv4.optional() }).strict().default({}),
    boxes: z
      .object({ virtualbox: z.string().min(1).optional(), libvirt: z.string().min(1).optional() })
      .strict()
      .default({}),
    defaults: z.object({ memory: memory.optional(), cpus: cpus.optional() }).strict().default({}),
    libvirt: z
      .object({
        driver: z.enum(['kvm', 'qemu', 'auto']).default('auto'),
        cpu_model: z.string().optional(),
        // nat: libvirt's default management network, so a plain box can fetch packages;
        // isolated: DHCP only, no route off the host (the offline box, air-gapped classrooms, our CI).
        management_network: z.enum(['nat', 'isolated']).default('nat'),
      })
      .strict()
      .default({}),
    nextcloud: z
      .object({
        version: z.string().min(1),
        url: z.string().url().optional(),
        sha256: sha256.optional(),
        archive: z.string().min(1).optional(),
        admin_user: z.string().min(1).default('admin'),
      })
      .strict()
      .optional(),
    placement: placementSchema.default({}),
    nodes: z.array(nodeSchema).min(1, 'a lab needs at least one node'),
  })
  .strict();

export type NodeSpec = z.infer<typeof nodeSchema>;
export type LabSpec = z.infer<typeof labSchema>;
export type PlacementSpec = z.infer<typeof placementSchema>;

/** The fields the cross-field rules read; each is absent when it did not pass its own schema. */
export interface LooseSpec {
  network: { subnet?: string };
  vips: { front?: string; router?: string };
  /** Absent when the placement block did not pass its own schema (its rules are then skipped). */
  placement?: PlacementSpec;
  nodes: { name?: string; ip?: string; roles?: Role[] }[];
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function field<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> | undefined {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

/**
 * What parsed of a lab file the strict schema refused, so the cross-field rules still run on it and
 * one pass reports a typo'd key beside a duplicate address. Node indices stay those of the file.
 */
export function looseSpec(raw: unknown): LooseSpec {
  const lab = record(raw);
  const network = record(lab.network);
  const vips = record(lab.vips);
  return {
    network: { subnet: field(cidr, network.subnet) },
    vips: { front: field(ipv4, vips.front), router: field(ipv4, vips.router) },
    placement: field(placementSchema.default({}), lab.placement),
    nodes: (Array.isArray(lab.nodes) ? lab.nodes : []).map((n) => {
      const node = record(n);
      return { name: field(nodeName, node.name), ip: field(ipv4, node.ip), roles: field(roles, node.roles) };
    }),
  };
}
