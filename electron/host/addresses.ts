import { createServer } from 'node:net'
import type { Address } from '../../shared/address'
import type { NodeRole } from '../../shared/ipc'

/**
 * Address allocation for a session's nodes. Each node gets its own loopback address
 * (seeds 127.0.1.k, peers 127.0.2.k, 127.0.3.k...) AND a distinct port, so a session is
 * readable at a glance and still works where only 127.0.0.1 can be bound (macOS without
 * aliases): then every node falls back to 127.0.0.1 with its distinct port.
 * Ports stay below 32768, out of Linux's ephemeral range.
 */

export type ProbeResult = 'free' | 'in-use' | 'unavailable'
export type Probe = (ip: string, port: number) => Promise<ProbeResult>

/** Highest port handed out (exclusive of the ephemeral range that starts at 32768). */
export const MAX_PORT = 32767
/** A probe that neither binds nor fails within this many ms counts as in use. */
const PROBE_TIMEOUT_MS = 2000

/** Binds ip:port and releases it at once. 'unavailable': the address itself cannot be bound. */
export function probeAddress(ip: string, port: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const server = createServer()
    let settled = false
    const settle = (result: ProbeResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // close() calls back (with an error) even when the server never listened.
      server.close(() => resolve(result))
    }
    const timer = setTimeout(() => settle('in-use'), PROBE_TIMEOUT_MS)
    server.once('error', (error: NodeJS.ErrnoException) => {
      settle(error.code === 'EADDRNOTAVAIL' || error.code === 'EINVAL' ? 'unavailable' : 'in-use')
    })
    server.listen({ host: ip, port, exclusive: true }, () => settle('free'))
  })
}

/** The preferred address of the index-th (0-based) node of a role, before fallback. */
export function preferredIp(role: NodeRole, index: number): string {
  const host = (index % 254) + 1
  const block = Math.floor(index / 254)
  // Seeds: 127.0.1.x then 127.1.b.x; peers: 127.0.2.x, 127.0.3.x, ... (at most 253 blocks).
  if (role === 'seed') return block === 0 ? `127.0.1.${host}` : `127.1.${block}.${host}`
  return `127.0.${2 + (block % 253)}.${host}`
}

export class AddressAllocator {
  private nextPort: number
  private readonly counts: Record<NodeRole, number> = { seed: 0, peer: 0 }
  /** Set once a 127.x.y.z address other than 127.0.0.1 failed to bind. */
  private fallback = false

  constructor(
    basePort: number,
    private readonly probe: Probe = probeAddress,
  ) {
    if (!Number.isInteger(basePort) || basePort < 1024 || basePort > MAX_PORT) {
      throw new Error(`base port must be an integer in 1024..${MAX_PORT}, got ${basePort}`)
    }
    this.nextPort = basePort
  }

  /** True when nodes are placed on 127.0.0.1 because other loopback addresses cannot be bound. */
  get usingFallback(): boolean {
    return this.fallback
  }

  /** Next free address for a node of `role`; throws when no port below 32768 is free. */
  async next(role: NodeRole): Promise<Address> {
    const index = this.counts[role]
    while (this.nextPort <= MAX_PORT) {
      const port = this.nextPort++
      const ip = this.fallback ? '127.0.0.1' : preferredIp(role, index)
      const result = await this.probe(ip, port)
      if (result === 'unavailable' && !this.fallback) {
        this.fallback = true
        this.nextPort--
        continue
      }
      if (result === 'free') {
        this.counts[role] = index + 1
        return { ip, port }
      }
    }
    throw new Error(`no free port left below ${MAX_PORT + 1} for a new ${role}`)
  }
}
