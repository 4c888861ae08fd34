import { describe, expect, it } from 'vitest'
import { AddressAllocator, MAX_PORT, preferredIp, type ProbeResult } from '../../../electron/host/addresses'
import { nodeFlags } from '../../../electron/host/node-flags'
import { DEFAULT_SETTINGS } from '../../../shared/settings'

describe('AddressAllocator', () => {
  it('gives seeds 127.0.1.k and peers 127.0.2.k, each on its own port', async () => {
    const allocator = new AddressAllocator(20001, async () => 'free')
    expect(await allocator.next('seed')).toEqual({ ip: '127.0.1.1', port: 20001 })
    expect(await allocator.next('seed')).toEqual({ ip: '127.0.1.2', port: 20002 })
    expect(await allocator.next('peer')).toEqual({ ip: '127.0.2.1', port: 20003 })
    expect(await allocator.next('peer')).toEqual({ ip: '127.0.2.2', port: 20004 })
    expect(preferredIp('peer', 254)).toBe('127.0.3.1')
    expect(preferredIp('seed', 254)).toBe('127.1.1.1')
  })

  it('skips ports in use', async () => {
    const busy = new Set([20001, 20002])
    const allocator = new AddressAllocator(20001, async (_ip, port) => (busy.has(port) ? 'in-use' : 'free'))
    expect(await allocator.next('seed')).toEqual({ ip: '127.0.1.1', port: 20003 })
  })

  it('falls back to 127.0.0.1 when other loopback addresses cannot be bound', async () => {
    const probes: string[] = []
    const allocator = new AddressAllocator(20001, async (ip, port): Promise<ProbeResult> => {
      probes.push(`${ip}:${port}`)
      return ip === '127.0.0.1' ? 'free' : 'unavailable'
    })
    expect(await allocator.next('seed')).toEqual({ ip: '127.0.0.1', port: 20001 })
    expect(await allocator.next('peer')).toEqual({ ip: '127.0.0.1', port: 20002 })
    expect(allocator.usingFallback).toBe(true)
    expect(probes).toEqual(['127.0.1.1:20001', '127.0.0.1:20001', '127.0.0.1:20002'])
  })

  it('reports, rather than loops, when no port below 32768 is free', async () => {
    const allocator = new AddressAllocator(MAX_PORT - 2, async () => 'in-use')
    await expect(allocator.next('peer')).rejects.toThrow(/no free port left below 32768/)
    expect(() => new AddressAllocator(40000)).toThrow(/base port/)
  })
})

describe('nodeFlags', () => {
  it('renders every setting as the documented flags', () => {
    const flags = nodeFlags({ role: 'peer', ip: '127.0.2.1', port: 20003, configPath: '/s/config.txt', logDir: '/s/logs/127.0.2.1_20003', settings: DEFAULT_SETTINGS })
    expect(flags.join(' ')).toBe(
      '--config /s/config.txt --ip 127.0.2.1 --port 20003 --log-dir /s/logs/127.0.2.1_20003 --time-scale 1 ' +
        '--gossip-interval 5000 --gossip-count 10 --liveness-interval 13000 --liveness-misses 3 --max-links 2 --topology powerlaw',
    )
  })
})
