import { readFileSync } from 'node:fs'
import { type Server, type Socket, connect, createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalNetwork as Cluster, NetNode as ClusterNode } from '../../electron/host/local-network'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../shared/settings'
import { addressBlock, count, eventsOfType, newCluster, programsCopy, settle } from './nodes-helpers'

/**
 * The compatibility profile on real processes (docs/protocol.md "Compatibility"): a last
 * line sent without a newline before the sender closes is processed like any other, on
 * a seed's accepted connections, a peer's accepted connections and a peer's dialled
 * connections; lone CR and CRLF end lines; other implementations' timestamps are taken.
 * Field case: /work/shared/cases/turn2/deadnode-no-newline.mjs.
 */

const SETTINGS: ProtocolSettings = { ...DEFAULT_SETTINGS, timeScale: 0.05 }
const block = addressBlock()
const seedAddresses = [1, 2].map((i) => ({ ip: `127.${block}.1.${i}`, port: 14301 }))

let cluster: Cluster
let seed: ClusterNode
const programs = programsCopy()
const sockets: Socket[] = []
const servers: Server[] = []

function dial(to: { ip: string; port: number }, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: to.ip, port: to.port, localAddress })
    sockets.push(socket)
    socket.resume() // read (and drop) what the node answers, so its FIN is seen
    socket.on('error', () => {})
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Whether `node` refused a line from `from` (ip:port) with a reason matching `reason`. */
const rejected = (node: ClusterNode, from: string, reason: RegExp) => () =>
  eventsOfType(node, 'frame.rejected').some((e) => e.from === from && reason.test(e.reason as string))

const closed = (socket: Socket) => new Promise<void>((r) => (socket.closed ? r() : socket.once('close', () => r())))

/** Registers `ip:port` with the seed over its own connection, then closes it (the peer "dies"). */
async function registerAndLeave(ip: string, port: number, lineEnd: string): Promise<void> {
  // The seed probes a registering address before listing it: answer on it while registering.
  const accepted: Socket[] = []
  const server = createServer((socket) => {
    accepted.push(socket)
    socket.on('error', () => {})
    socket.on('data', (d) => {
      const m = /Liveness Request:(\S+?):(\S+?)\r?\n/.exec(d.toString())
      if (m) socket.write(`Liveness Reply:${m[1]}:${m[2]}:${ip}\n`)
    })
  })
  await new Promise<void>((resolve) => server.listen(port, ip, () => resolve()))
  const reg = await dial(seed.address, ip)
  reg.write(`Register:${ip}:${port}${lineEnd}`)
  await cluster.waitFor(() => eventsOfType(seed, 'seed.registered').some((e) => e.peer === `${ip}:${port}`), 10_000, `${ip} to register`, seed)
  reg.end()
  await closed(reg)
  server.close()
  for (const socket of accepted) socket.destroy()
}

beforeAll(async () => {
  cluster = newCluster('nodes-line-ends', SETTINGS, programs.dir)
  cluster.writeConfig(seedAddresses)
  seed = await cluster.start('seed', seedAddresses[0]!)
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  for (const server of servers) server.close()
  await cluster?.killAll()
  programs.remove()
})

describe('a seed', () => {
  it.each([
    ['the field case: \\n registration, report with no newline then FIN', 12, '\n', (ts: number) => String(ts)],
    ['lone-CR registration, report with no newline', 13, '\r', (ts: number) => String(ts)],
    ['CRLF registration, report stamped by Python time.time()', 14, '\r\n', (ts: number) => (ts / 1000).toFixed(6)],
    ['report stamped by str(datetime.now())', 15, '\n', () => '2026-11-29 13:24:44.123456'],
  ])('removes a peer reported dead: %s', async (_name, host, lineEnd, stamp) => {
    const dead = { ip: `127.${block}.44.${host}`, port: 14400 + host }
    await registerAndLeave(dead.ip, dead.port, lineEnd)
    const reporter = await dial(seed.address, `127.${block}.44.251`)
    reporter.end(`Dead Node:${dead.ip}:${dead.port}:${stamp(Date.now())}:127.${block}.44.251`) // no "\n", then FIN
    const id = `${dead.ip}:${dead.port}`
    await cluster.waitFor(() => eventsOfType(seed, 'seed.peer-removed').some((e) => e.peer === id), 10_000, `${id} to be removed`, seed)
    // The log file is written in batches, after the event (which comes over IPC at once).
    const log = () => readFileSync(join(seed.logDir, 'seed_network.log'), 'utf8')
    await settle(() => log().includes(`Removed ${id}`))
    expect(log()).toContain(`Removed ${id}`)
  })

  it('names a half line cut by a reset in frame.rejected', async () => {
    const c = await dial(seed.address, `127.${block}.44.252`)
    const from = `${c.localAddress}:${c.localPort}`
    // A reset discards bytes the seed has not read yet: send a whole bad line first in the
    // same write and wait until the seed rejected it, so the half line behind it was read too.
    c.write('junk\nRegister:127.0.0.1')
    await cluster.waitFor(
      rejected(seed, from, /unknown message "junk"/),
      10_000,
      'the whole line before the half line to be read',
      seed,
    )
    c.resetAndDestroy()
    await cluster.waitFor(
      rejected(seed, from, /unfinished 18-byte line/),
      10_000,
      'the cut line to be reported',
      seed,
    )
  })
})

describe('a peer', () => {
  it('processes an unterminated last line on the connections it dials and on those it accepts', async () => {
    // Two fake seeds answer Register with "Registered:..." and no newline, then close.
    const fakeSeeds = [1, 2].map((i) => ({ ip: `127.${block}.3.${i}`, port: 14303 }))
    for (const address of fakeSeeds) {
      await new Promise<void>((resolve) => {
        const server = createServer((socket) => {
          sockets.push(socket)
          socket.on('error', () => {})
          let text = ''
          socket.on('data', (d) => {
            text += d.toString()
            const m = /Register:(\d+\.\d+\.\d+\.\d+:\d+)\S*\n/.exec(text)
            if (m) socket.end(`Registered:${m[1]}`)
          })
        })
        servers.push(server)
        server.listen(address.port, address.ip, () => resolve())
      })
    }
    const side = newCluster('nodes-line-ends-peer', SETTINGS, programs.dir)
    side.writeConfig(fakeSeeds)
    try {
      const peer = await side.start('peer', { ip: `127.${block}.2.2`, port: 14302 })
      await side.waitFor(() => count(peer, 'peer.registered') >= 2, 10_000, 'registrations read from unterminated lines', peer)
      const c = await dial(peer.address, `127.${block}.9.9`)
      const from = `${c.localAddress}:${c.localPort}`
      c.end('no newline here')
      await side.waitFor(
        rejected(peer, from, /unknown message "no newline here"/),
        10_000,
        'the unterminated line to be read and rejected',
        peer,
      )
    } finally {
      await side.killAll()
    }
  })
})
