import { describe, expect, it } from 'vitest'
import { exportsAhead } from '../../../renderer/src/timeline/ExportDialog'

describe('export dialog: place in the host export queue', () => {
  it('counts the exports asked before ours that have not finished', () => {
    // Asked while one ran and one waited (2 finished before).
    const asked = { ahead: 2, finished: 2 }
    expect(exportsAhead(asked, { running: 1, waiting: 2, finished: 2 })).toBe(2)
    expect(exportsAhead(asked, { running: 1, waiting: 1, finished: 3 })).toBe(1)
    // Ours runs; others asked after it wait behind it and do not count.
    expect(exportsAhead(asked, { running: 1, waiting: 3, finished: 4 })).toBe(0)
    expect(exportsAhead(asked, { running: 0, waiting: 0, finished: 5 })).toBe(0)
    // A finish the page had not heard of yet when it asked is counted when it arrives.
    expect(exportsAhead({ ahead: 1, finished: 0 }, { running: 1, waiting: 0, finished: 1 })).toBe(0)
    expect(exportsAhead(null, { running: 1, waiting: 0, finished: 0 })).toBe(0)
    expect(exportsAhead(asked, undefined)).toBe(0)
  })
})
