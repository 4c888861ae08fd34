import { describe, expect, it } from 'vitest'
import { describeLink } from '../../../renderer/src/graph/GraphMenu'
import { NO_CONDITIONS, withLink, withPartition } from '../../../shared/net/conditions'

const A = '127.0.1.1:7000'
const B = '127.0.1.2:7000'

describe("a link menu's conditions", () => {
  it('says when nothing is added', () => {
    expect(describeLink(NO_CONDITIONS, A, B)).toBe('no added delay or loss (loopback TCP)')
    expect(describeLink(null, A, B)).toBe('unknown (no host)')
  })
  it('gives each direction its own override, else the defaults', () => {
    const c = withLink({ ...NO_CONDITIONS, defaults: { delayMs: 20, jitterMs: 0, loss: 0 } }, A, B, { delayMs: 100, jitterMs: 30, loss: 0.05 })
    expect(describeLink(c, A, B)).toBe('delay 100 ms ± 30 ms, loss 5%')
    expect(describeLink(c, B, A)).toBe('delay 20 ms')
  })
  it('names a partition that blocks the link', () => {
    const c = withPartition(NO_CONDITIONS, { name: 'p1', side: [A], other: null, direction: 'outbound' })
    expect(describeLink(c, A, B)).toBe('blocked by a partition: nothing gets through')
    expect(describeLink(c, B, A)).toBe('no added delay or loss (loopback TCP)')
  })
})
