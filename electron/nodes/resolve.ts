import { readFileSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { type Address, formatAddress, isLoopback, parsePort, sameAddress } from '../../shared/address'
import { decodeConfig, parseConfig } from '../../shared/config'
import { escapeControls } from '../../shared/escape'
import type { ProtocolSettings } from '../../shared/settings-core'
import type { NodeArgs, Role } from './cli'

/**
 * Turns parsed flags into everything a node needs to start: reads config.txt, picks the
 * listening address, checks that the IP is local. Every failure is one line of text
 * (the caller prints it on stderr and exits 2).
 */

export type EventsTarget = { kind: 'file'; path: string } | { kind: 'stdout' } | { kind: 'none' }

export interface NodeSetup {
  role: Role
  self: Address
  seeds: Address[]
  logDir: string
  logPath: string
  events: EventsTarget
  settings: ProtocolSettings
  rngSeed: number | null
}

export type SetupResult = { ok: true; setup: NodeSetup } | { ok: false; message: string }

/** The outside world resolve needs; injected so tests can fake it. */
export interface ResolveIo {
  /** The config file's bytes (decoded by decodeConfig), or its text. */
  readText(path: string): Promise<string | Uint8Array>
  /** IPv4 addresses of this machine's interfaces. */
  localIps(): string[]
  /** Asks for a port on a terminal; null when there is no terminal (or input ended). */
  askPort: ((question: string) => Promise<string | null>) | null
}

export const PORT_QUESTION = 'Enter a distinct port number: '

export function defaultIo(askPort: ResolveIo['askPort']): ResolveIo {
  return {
    readText: async (path) => readFileSync(path),
    localIps: () =>
      Object.values(networkInterfaces())
        .flat()
        .filter((i) => i !== undefined && i.family === 'IPv4')
        .map((i) => i!.address),
    askPort,
  }
}

export async function resolveSetup(args: NodeArgs, io: ResolveIo): Promise<SetupResult> {
  const path = escapeControls(args.configPath)
  let content: string | Uint8Array
  try {
    content = await io.readText(args.configPath)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return fail(`${path}: cannot read config (${code ?? escapeControls((e as Error).message)})`)
  }
  const decoded = typeof content === 'string' ? { ok: true as const, text: content } : decodeConfig(content, args.configPath)
  if (!decoded.ok) return fail(decoded.message)
  const config = parseConfig(decoded.text)
  if (!config.ok) {
    const first = config.errors[0]!
    const where = first.line > 0 ? `${path}:${first.line}` : path
    const more = config.errors.length > 1 ? ` (and ${config.errors.length - 1} more errors)` : ''
    return fail(`${where}: ${first.message}${more}`)
  }
  const seeds = config.seeds

  const self = args.role === 'seed' ? seedAddress(args, seeds) : await peerAddress(args, seeds, io)
  if (typeof self === 'string') return fail(self)
  if (!isLoopback(self.ip) && !io.localIps().includes(self.ip)) {
    return fail(`--ip ${self.ip} is not an address of this machine (use 127.x.y.z or a local interface address)`)
  }

  const id = `${self.ip}_${self.port}`
  const events: EventsTarget =
    args.events === '-'
      ? { kind: 'stdout' }
      : args.events === 'none'
        ? { kind: 'none' }
        : { kind: 'file', path: args.events ?? join(args.logDir, `${args.role}-${id}.events.ndjson`) }
  return {
    ok: true,
    setup: {
      role: args.role,
      self,
      seeds,
      logDir: args.logDir,
      logPath: join(args.logDir, `${args.role}_network.log`),
      events,
      settings: args.settings,
      rngSeed: args.rngSeed,
    },
  }
}

/** A seed listens on --ip/--port, or on a config entry: --index, else the one entry on --ip. */
function seedAddress(args: NodeArgs, seeds: Address[]): Address | string {
  if (args.port !== null) {
    if (args.index !== null) return '--port and --index cannot be used together'
    return { ip: args.ip, port: args.port }
  }
  if (args.index !== null) {
    const entry = seeds[args.index]
    if (!entry) return `--index ${args.index} is out of range: ${args.configPath} lists ${seeds.length} seeds (0..${seeds.length - 1})`
    if (args.ipGiven && entry.ip !== args.ip) {
      return `--ip ${args.ip} does not match config entry ${args.index} (${formatAddress(entry)})`
    }
    return entry
  }
  const matches = seeds.filter((s) => s.ip === args.ip)
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) return `no --port given and no entry of ${args.configPath} has IP ${args.ip}; use --port or --index`
  return `no --port given and ${args.configPath} has ${matches.length} entries with IP ${args.ip}; use --index`
}

async function peerAddress(args: NodeArgs, seeds: Address[], io: ResolveIo): Promise<Address | string> {
  let port = args.port
  if (port === null) {
    if (!io.askPort) return 'no --port given and no terminal to ask for one; pass --port N'
    for (;;) {
      const answer = await io.askPort(PORT_QUESTION)
      if (answer === null) return 'no port entered'
      port = parsePort(answer.trim())
      if (port !== null && !seeds.some((s) => sameAddress(s, { ip: args.ip, port: port! }))) break
      // Not a port, or a seed's own address: ask again (a terminal user can correct it).
    }
  }
  const self = { ip: args.ip, port }
  if (seeds.some((s) => sameAddress(s, self))) return `${formatAddress(self)} is a seed in ${args.configPath}; choose another port`
  return self
}

function fail(message: string): SetupResult {
  return { ok: false, message }
}
