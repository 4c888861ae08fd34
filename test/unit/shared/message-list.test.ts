import { describe, expect, it } from 'vitest'
import { ipv4Number } from '../../../shared/address'
import { MESSAGE_MAX_AGE_MS, MessageList } from '../../../shared/protocol/message-list'

const T0 = 1_800_000_000_000

describe('MessageList', () => {
  it('holds a message from its first receipt, counted under the IP that created it', () => {
    const ml = new MessageList()
    expect(ml.has('a')).toBe(false)
    ml.add('a', '127.0.2.1', T0)
    ml.add('b', '127.0.2.1', T0 + 1)
    ml.add('c', '127.0.2.2', T0 + 2)
    expect([ml.has('a'), ml.has('b'), ml.has('c'), ml.has('d')]).toEqual([true, true, true, false])
    expect(ml.size).toBe(3)
    expect([ml.fromOrigin('127.0.2.1'), ml.fromOrigin('127.0.2.2'), ml.fromOrigin('127.0.2.3')]).toEqual([2, 1, 0])
  })

  it('keeps a record exactly MESSAGE_MAX_AGE_MS after it was added and drops it 1 ms later, oldest first', () => {
    const ml = new MessageList()
    ml.add('a', '127.0.2.1', T0)
    ml.add('b', '127.0.2.2', T0 + 10)
    ml.expire(T0 + MESSAGE_MAX_AGE_MS)
    expect([ml.has('a'), ml.has('b')]).toEqual([true, true])
    ml.expire(T0 + MESSAGE_MAX_AGE_MS + 1)
    expect([ml.has('a'), ml.has('b')]).toEqual([false, true])
    expect([ml.fromOrigin('127.0.2.1'), ml.fromOrigin('127.0.2.2')]).toEqual([0, 1])
    ml.expire(T0 + MESSAGE_MAX_AGE_MS + 11)
    expect(ml.size).toBe(0)
    expect(ml.fromOrigin('127.0.2.2')).toBe(0)
    ml.expire(T0 + 10 * MESSAGE_MAX_AGE_MS) // empty: nothing to do
    ml.add('a', '127.0.2.1', T0 + 10 * MESSAGE_MAX_AGE_MS)
    expect([ml.has('a'), ml.fromOrigin('127.0.2.1')]).toEqual([true, 1])
  })

  it('past its limit drops the oldest record at once', () => {
    const ml = new MessageList(3)
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) ml.add(id, `127.0.2.${i % 2}`, T0 + i)
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => ml.has(id))).toEqual([false, false, true, true, true])
    expect([ml.fromOrigin('127.0.2.0'), ml.fromOrigin('127.0.2.1')]).toEqual([2, 1])
  })

  it('ages out every record at the right time while it grows and shrinks (a reference list alongside)', () => {
    const ml = new MessageList(5000)
    const reference: { id: string; at: number; origin: string }[] = []
    let now = T0
    let next = 0
    // Waves: bursts of adds, then quiet stretches that age most of them out.
    for (let wave = 0; wave < 12; wave++) {
      const burst = [3, 700, 40, 2500, 1, 1200][wave % 6]!
      for (let i = 0; i < burst; i++) {
        now += (i * 7) % 3
        const id = `m${next++}`
        const origin = `127.0.2.${next % 17}`
        ml.expire(now)
        ml.add(id, origin, now)
        reference.push({ id, at: now, origin })
      }
      now += (wave % 3) * (MESSAGE_MAX_AGE_MS / 2)
      ml.expire(now)
      const kept = reference.filter((r) => now - r.at <= MESSAGE_MAX_AGE_MS).slice(-5000)
      expect(ml.size).toBe(kept.length)
      const keptIds = new Set(kept.map((r) => r.id))
      expect(reference.filter((r) => ml.has(r.id) !== keptIds.has(r.id))).toEqual([])
      for (let o = 0; o < 17; o++) expect(ml.fromOrigin(`127.0.2.${o}`)).toBe(kept.filter((r) => r.origin === `127.0.2.${o}`).length)
    }
  })
})

describe('ipv4Number', () => {
  it('is the 32-bit value of a dotted quad, one to one', () => {
    expect(ipv4Number('127.0.0.1')).toBe(0x7f000001)
    expect(ipv4Number('0.0.0.0')).toBe(0)
    expect(ipv4Number('255.255.255.255')).toBe(0xffffffff)
    expect(ipv4Number('10.20.30.40')).toBe((10 << 24) + (20 << 16) + (30 << 8) + 40)
    const seen = new Set<number>()
    for (const a of [0, 1, 127, 255]) for (const b of [0, 9, 10, 99, 100, 255]) for (const d of [1, 12, 123]) seen.add(ipv4Number(`${a}.${b}.1.${d}`))
    expect(seen.size).toBe(4 * 6 * 3)
  })
})
