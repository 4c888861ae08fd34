import { type Server, type Socket, connect, createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalNetwork as Cluster, NetNode as ClusterNode } from '../../electron/host/local-network'
import { type PeerEntry, encodeMessage, peerListMessages } from '../../shared/protocol/wire'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../shared/settings'
import { addressBlock, count, eventsOfType, invalidEvents, newCluster, pidOf, rssKb, programsCopy, settle } from './nodes-helpers'

/**
 * Hostile input against real node processes: every case must give `frame.rejected` (or a
 * refused report), and the node must keep serving: a new peer registers afterwards, and
 * memory stays bounded. Idle connections are closed by the driver after 5 s.
 */

const SETTINGS: ProtocolSettings = { ...DEFAULT_SETTINGS, timeScale: 0.1 }
const block = addressBlock()
const seedAddresses = [1, 2].map((i) => ({ ip: `127.${block}.1.${i}`, port: 7101 }))
const attackerIp = `127.${block}.9.9`

let cluster: Cluster
const programs = programsCopy()
let seed: ClusterNode
const servers: Server[] = []
const sockets: Socket[] = []

interface Raw {
  socket: Socket
  from: string
  data: string
  closed: Promise<void>
}

function raw(to: { ip: string; port: number }, localAddress = attackerIp): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: to.ip, port: to.port, localAddress })
    sockets.push(socket)
    const client: Raw = { socket, from: '', data: '', closed: new Promise((r) => socket.once('close', () => r())) }
    socket.on('data', (d) => (client.data += d.toString('latin1')))
    socket.on('error', () => {})
    socket.once('connect', () => {
      client.from = `${socket.localAddress}:${socket.localPort}`
      resolve(client)
    })
    socket.once('error', reject)
  })
}

function rejectionsFrom(node: ClusterNode, from: string): string[] {
  return eventsOfType(node, 'frame.rejected').filter((e) => e.from === from).map((e) => e.reason as string)
}

async function waitRejection(node: ClusterNode, from: string, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  await cluster.waitFor(() => rejectionsFrom(node, from).some((r) => pattern.test(r)), timeoutMs, `a rejection ${pattern} from ${from}`, node)
}

beforeAll(async () => {
  cluster = newCluster('nodes-bad-input', SETTINGS, programs.dir)
  cluster.writeConfig(seedAddresses)
  seed = (await Promise.all(seedAddresses.map((a) => cluster.start('seed', a))))[0]!
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  for (const server of servers) server.close()
  await cluster?.killAll()
  programs.remove()
})

describe('a seed under hostile input', () => {
  it('rejects garbage, invalid UTF-8 and malformed or misplaced messages', async () => {
    const c = await raw(seed!.address)
    c.socket.write('hello world\n')
    await waitRejection(seed!, c.from, /unknown message "hello world"/)
    c.socket.write(Buffer.from([0x47, 0xff, 0xfe, 0x0a]))
    await waitRejection(seed!, c.from, /invalid-utf8/)
    // Another source IP: refusals of one cause from one IP are reported at most once a second.
    const d = await raw(seed!.address, `127.${block}.9.10`)
    d.socket.write('Register:999.0.0.1:7000\nPeer List:1/1:\nDegree:1.2.3.4:5:6\n')
    await waitRejection(seed!, d.from, /unexpected peer-list/)
    await waitRejection(seed!, d.from, /Degree for 1\.2\.3\.4:5/)
    expect(rejectionsFrom(seed!, d.from).length).toBeGreaterThanOrEqual(3)
    await d.closed // three bad lines in a row close the connection
    const e = await raw(seed!.address)
    e.socket.write('Dead Node:127.0.0.77:7000:1:127.0.0.1\n')
    await cluster.waitFor(
      () => eventsOfType(seed!, 'seed.report-rejected').some((x) => x.peer === '127.0.0.77:7000'),
      5_000,
      'the forged report to be refused',
    )
  })

  it('rejects a line over 64 KiB and closes that connection', async () => {
    const c = await raw(seed!.address)
    c.socket.write('Register:' + 'A'.repeat(70_000) + '\n')
    await waitRejection(seed!, c.from, /line-too-long/)
    await c.closed
  })

  it('closes a connection that sends half a line and then nothing', async () => {
    const [c, silent] = await Promise.all([raw(seed!.address), raw(seed!.address)])
    c.socket.write('Register:127.0.0.1')
    await waitRejection(seed!, c.from, /idle: unfinished line/, 10_000)
    await waitRejection(seed!, silent.from, /idle: no complete line/, 10_000)
    await Promise.all([c.closed, silent.closed])
  })

  it('caps connections per source IP', async () => {
    const ip = `127.${block}.9.11`
    const flood = await Promise.allSettled(Array.from({ length: 100 }, () => raw(seed!.address, ip)))
    const opened = flood.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Raw>).value)
    await cluster.waitFor(
      () => eventsOfType(seed!, 'frame.rejected').some((e) => /connection refused: 64 connections from 127\.\S+ already open/.test(e.reason as string)),
      10_000,
      'per-source refusals to be reported',
    )
    // The 36 over the cap were closed on arrival; the 64 others stay open.
    await settle(() => opened.filter((c) => c.socket.destroyed || c.socket.readyState !== 'open').length >= 36, 5_000)
    expect(opened.filter((c) => c.socket.readyState === 'open').length).toBe(64)
    for (const c of opened) c.socket.destroy()
  })

  it('survives 2000 connections opened at once from 40 source IPs, with bounded memory', async () => {
    const before = rssKb(pidOf(seed!))
    const flood = await Promise.allSettled(Array.from({ length: 2000 }, (_, i) => raw(seed!.address, `127.${block}.10.${(i % 40) + 1}`)))
    const opened = flood.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Raw>).value)
    expect(opened.length).toBeGreaterThan(1000)
    await cluster.waitFor(
      () => eventsOfType(seed!, 'frame.rejected').some((e) => /connection refused: 1024 connections/.test(e.reason as string)),
      10_000,
      'refusals to be reported',
    )
    for (const c of opened) c.socket.write('garbage\n')
    const peak = rssKb(pidOf(seed!))
    for (const c of opened) c.socket.destroy()
    expect(peak - before, `RSS grew from ${before} kB to ${peak} kB`).toBeLessThan(80_000)
  })

  it('refuses a forged Dead Node report about a live peer, and still registers new peers', async () => {
    const peer = await cluster.start('peer', { ip: `127.${block}.2.1`, port: 7102 })
    await cluster.waitFor(() => count(peer, 'peer.registered') === 2, 10_000, 'the peer to register', peer)
    const c = await raw(seed!.address)
    c.socket.write(`Dead Node:${peer.address.ip}:${peer.address.port}:${Date.now()}:${attackerIp}\n`)
    await cluster.waitFor(
      () => eventsOfType(seed!, 'seed.report-rejected').some((e) => e.peer === peer.id && /answered/.test(e.reason as string)),
      10_000,
      'the seed to verify and refuse the report',
    )
    expect(eventsOfType(seed!, 'seed.peer-removed')).toEqual([])
    expect(invalidEvents(seed!)).toEqual([])
    expect(seed!.managed.alive).toBe(true)
  })
})

describe('a peer under hostile input', () => {
  it('takes a 10,000-entry peer list, rejects garbage and keeps its links', async () => {
    // Two fake seeds (this process) list 10,000 peers; two fake peers among them answer Hello.
    const fakeSeeds = [1, 2].map((i) => ({ ip: `127.${block}.3.${i}`, port: 7103 }))
    const fakePeers = [1, 2].map((i) => ({ ip: `127.${block}.4.${i}`, port: 7104 }))
    const entries: PeerEntry[] = fakePeers.map((p) => ({ ...p, degree: 999_999 }))
    for (let i = 0; entries.length < 10_000; i++) entries.push({ ip: `127.${block}.5.${i % 250}`, port: 20_000 + i, degree: 0 })
    const listen = (address: { ip: string; port: number }, onLine: (socket: Socket, line: string) => void) =>
      new Promise<void>((resolve) => {
        const server = createServer((socket) => {
          sockets.push(socket)
          socket.on('error', () => {})
          let rest = ''
          socket.on('data', (d) => {
            const lines = (rest + d.toString()).split('\n')
            rest = lines.pop()!
            for (const line of lines) onLine(socket, line)
          })
        })
        servers.push(server)
        server.listen(address.port, address.ip, () => resolve())
      })
    for (const address of fakeSeeds) {
      await listen(address, (socket, line) => {
        if (line.startsWith('Register:')) socket.write(`Registered:${line.slice(9).split(':').slice(0, 2).join(':')}\n`)
        if (line.startsWith('Peer List Request:')) {
          for (const part of peerListMessages(entries)) socket.write(encodeMessage(part) + '\n')
        }
      })
    }
    for (const address of fakePeers) {
      await listen(address, (socket, line) => {
        if (line.startsWith('Hello:')) socket.write(`Hello:${address.ip}:${address.port}\n`)
      })
    }
    const side = newCluster('nodes-bad-input-peer', SETTINGS, programs.dir)
    side.writeConfig(fakeSeeds)
    try {
      // Inside the try: a start that times out must not leave the peer running.
      const peer = await side.start('peer', { ip: `127.${block}.2.2`, port: 7102 })
      await side.waitFor(() => count(peer, 'peer.link-up') === 2, 10_000, 'links to the fake peers', peer)
      const lists = eventsOfType(peer, 'peer.peer-list')
      expect(lists.map((e) => (e.peers as string[]).length)).toEqual([10_000, 10_000])
      const c = await raw(peer.address)
      c.socket.write('\u0000\u0001garbage\nLiveness Request:1:1.2.3.4\n')
      // Polled: side.waitFor re-checks only when a node writes an event, not on socket data.
      expect(await settle(() => c.data.includes('Liveness Reply:1:1.2.3.4:'), 10_000), 'a liveness reply').toBe(true)
      // The reply comes on the socket, the rejection event on the peer's stdout: either may land first.
      await side.waitFor(() => eventsOfType(peer, 'frame.rejected').some((e) => e.from === c.from), 10_000, 'the garbage to be rejected', peer)
      expect(invalidEvents(peer)).toEqual([])
      expect(peer.managed.alive).toBe(true)
    } finally {
      await side.killAll()
    }
  })
})
