import { describe, expect, it } from 'vitest'
import { describePacking, packingSchema, placement } from '../../../shared/packing'
import { parseHostCommand } from '../../../electron/nodes/host-protocol'
import { keepsEvent } from '../../../electron/nodes/events-detail'

describe('packing', () => {
  it('places every node alone with single, or pack 1', () => {
    expect(placement({ mode: 'single' }, 500)).toEqual({ shared: false })
    expect(placement({ mode: 'pack', size: 1 }, 500)).toEqual({ shared: false })
  })
  it('packs every node with pack K', () => {
    expect(placement({ mode: 'pack', size: 50 }, 0)).toEqual({ shared: true, size: 50 })
  })
  it('auto: alone below the threshold, packed from it on', () => {
    const auto = { mode: 'auto', threshold: 30, size: 50 } as const
    expect(placement(auto, 29)).toEqual({ shared: false })
    expect(placement(auto, 30)).toEqual({ shared: true, size: 50 })
  })
  it('validates and describes', () => {
    expect(packingSchema.safeParse({ mode: 'pack', size: 0 }).success).toBe(false)
    expect(packingSchema.safeParse({ mode: 'auto', threshold: 10 }).success).toBe(false)
    expect(describePacking({ mode: 'pack', size: 50 })).toBe('up to 50 nodes per process')
  })
})

describe('node host commands', () => {
  it('accepts start and the per-node verbs', () => {
    expect(parseHostCommand({ op: 'start', node: '127.0.0.1:1', role: 'peer', args: ['--port', '1'] })).toEqual({
      op: 'start', node: '127.0.0.1:1', role: 'peer', args: ['--port', '1'],
    })
    for (const op of ['kill', 'stop', 'pause', 'resume']) expect(parseHostCommand({ op, node: 'a:1' })).toEqual({ op, node: 'a:1' })
  })
  it('accepts stats, a command to the process (no node)', () => {
    expect(parseHostCommand({ op: 'stats' })).toEqual({ op: 'stats' })
    expect(parseHostCommand({ op: 'stats', node: 'a:1' })).toEqual({ op: 'stats' })
  })
  it('refuses anything else with a reason', () => {
    expect(parseHostCommand(null)).toMatch(/object/)
    expect(parseHostCommand({ op: 'kill' })).toMatch(/node/)
    expect(parseHostCommand({ op: 'explode', node: 'a:1' })).toMatch(/unknown op "explode"/)
    expect(parseHostCommand({ op: 'start', node: 'a:1', role: 'king', args: [] })).toMatch(/role/)
    expect(parseHostCommand({ op: 'start', node: 'a:1', role: 'seed', args: [1] })).toMatch(/flags/)
  })
})

describe('events detail', () => {
  it('full keeps all; receipts drops per-hop sends and routine liveness; lifecycle drops gossip too', () => {
    expect(keepsEvent('full', 'gossip.forwarded')).toBe(true)
    for (const t of ['gossip.forwarded', 'gossip.duplicate', 'liveness.sent', 'liveness.ok']) expect(keepsEvent('receipts', t)).toBe(false)
    for (const t of ['gossip.created', 'gossip.received', 'liveness.missed', 'peer.link-up', 'seed.peer-removed']) expect(keepsEvent('receipts', t)).toBe(true)
    expect(keepsEvent('lifecycle', 'gossip.received')).toBe(false)
    expect(keepsEvent('lifecycle', 'peer.dead-reported')).toBe(true)
  })
})
