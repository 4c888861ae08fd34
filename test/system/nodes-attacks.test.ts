import { type Socket, connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalNetwork, NetNode } from '../../electron/host/local-network'
import { DEFAULT_SETTINGS, type ProtocolSettings } from '../../shared/settings'
import { addressBlock, count, eventsOfType, invalidEvents, logLines, newCluster, pidOf, programsCopy, rssKb, settle } from './nodes-helpers'

/**
 * The attacks of docs/security.md against real processes on loopback: 3 seeds and a few
 * peers at time scale 0.05 (liveness 650 ms, a seed's verification 1.3 s). Each attack
 * must fail, and honest peers keep joining and gossiping. The attacker is this test
 * process, binding whatever 127.x source address it likes.
 */

const SETTINGS: ProtocolSettings = { ...DEFAULT_SETTINGS, timeScale: 0.05 }
const block = addressBlock()
const seedAddresses = [1, 2, 3].map((i) => ({ ip: `127.${block}.1.${i}`, port: 7201 }))
const peerAddress = (i: number) => ({ ip: `127.${block}.2.${i}`, port: 7202 })

let net: LocalNetwork
const programs = programsCopy()
let seeds: NetNode[] = []
const peers: NetNode[] = []
const sockets: Socket[] = []

interface Raw {
  socket: Socket
  data: string
  closed: Promise<void>
  isClosed: () => boolean
}

function raw(to: { ip: string; port: number }, localAddress: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: to.ip, port: to.port, localAddress })
    sockets.push(socket)
    let closed = false
    const client: Raw = {
      socket,
      data: '',
      closed: new Promise((r) => socket.once('close', () => ((closed = true), r()))),
      isClosed: () => closed,
    }
    socket.on('data', (d) => (client.data += d.toString('latin1')))
    socket.on('error', () => {})
    socket.once('connect', () => resolve(client))
    socket.once('error', reject)
  })
}

/** The Peer List a seed hands out now, asked from a fresh source address. */
async function listOf(seed: NetNode, askerIp: string): Promise<string[]> {
  const c = await raw(seed.address, askerIp)
  c.socket.write(`Peer List Request:${askerIp}:9\n`)
  await settle(() => /Peer List:(\d+)\/\1:.*\n/.test(c.data), 5_000)
  c.socket.destroy()
  return c.data
    .split('\n')
    .filter((l) => l.startsWith('Peer List:'))
    .flatMap((l) => l.replace(/^Peer List:\d+\/\d+:/, '').split(','))
    .filter((e) => e !== '')
    .map((e) => e.split('@')[0]!)
}

const holders = (peer: NetNode) => seeds.filter((s) => eventsOfType(s, 'seed.registered').some((e) => e.peer === peer.id))

async function startPeer(i: number): Promise<NetNode> {
  const peer = await net.start('peer', peerAddress(i))
  await net.waitFor(() => count(peer, 'peer.registered') >= 2, 15_000, `peer ${i} to register`, peer)
  peers.push(peer)
  return peer
}

beforeAll(async () => {
  net = newCluster('nodes-attacks', SETTINGS, programs.dir)
  net.writeConfig(seedAddresses)
  seeds = await Promise.all(seedAddresses.map((a) => net.start('seed', a)))
  for (let i = 1; i <= 5; i++) await startPeer(i)
  await net.waitFor(() => peers.every((p) => count(p, 'peer.link-up') >= 1), 15_000, 'every peer to link')
}, 60_000)

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await net?.killAll()
  programs.remove()
})

describe('attacks on real nodes', () => {
  it('registration hijack: a Register for a live peer from its own IP is refused, and a forged report evicts nobody', async () => {
    const victim = peers[0]!
    const at = holders(victim)
    expect(at.length).toBeGreaterThanOrEqual(2)
    for (const seed of at) {
      const hijack = await raw(seed.address, victim.address.ip)
      hijack.socket.write(`Register:${victim.id}\n`)
      await hijack.closed
      const liar = await raw(seed.address, `127.${block}.9.1`)
      liar.socket.write(`Dead Node:${victim.id}:${Date.now()}:127.${block}.9.1\n`)
    }
    for (const seed of at) {
      await net.waitFor(() => eventsOfType(seed, 'seed.report-rejected').some((e) => e.peer === victim.id), 10_000, 'the report to be refused', seed)
      expect(eventsOfType(seed, 'seed.peer-removed').filter((e) => e.peer === victim.id)).toEqual([])
      expect(await listOf(seed, `127.${block}.9.2`)).toContain(victim.id)
    }
  })

  it('list poisoning: addresses nobody listens on, foreign and seed addresses are never listed; a newcomer joins at once', async () => {
    const seed = seeds[0]!
    const bogus = await Promise.all(Array.from({ length: 10 }, (_, i) => raw(seed.address, `127.${block}.66.${i + 1}`)))
    bogus.forEach((c, i) => c.socket.write(`Register:127.${block}.66.${i + 1}:9000\n`))
    const foreign = await raw(seed.address, `127.${block}.66.99`)
    foreign.socket.write(`Register:10.9.9.9:7000\nRegister:${seedAddresses[1]!.ip}:${seedAddresses[1]!.port}\n`)
    await Promise.all(bogus.map((c) => c.closed))
    const listed = await listOf(seed, `127.${block}.9.3`)
    expect(listed.filter((id) => id.startsWith(`127.${block}.66.`) || id.startsWith('10.') || id.startsWith(`127.${block}.1.`))).toEqual([])
    const newcomer = await startPeer(6)
    await net.waitFor(() => count(newcomer, 'peer.link-up') >= 1, 20_000, 'the newcomer to link', newcomer)
    // At once: it never tried one of the poisoned addresses (every dial it made linked).
    expect(eventsOfType(newcomer, 'peer.link-failed')).toEqual([])
  })

  it('list overflow and slot lock-out: per-IP caps and the registration reserve let an honest peer register', async () => {
    const seed = seeds[1]!
    // 20 source IPs x 50 connections, each a report channel for its own identity: 1000 channels.
    const flood: Raw[] = []
    for (let ip = 1; ip <= 20; ip++) {
      const batch = await Promise.allSettled(Array.from({ length: 50 }, () => raw(seed.address, `127.${block}.77.${ip}`)))
      for (const r of batch) if (r.status === 'fulfilled') flood.push(r.value)
    }
    flood.forEach((c, i) => c.socket.write(`Hello:${c.socket.localAddress}:${10_000 + i}\n`))
    // And 200 registrations from one IP: at most 64 connections from it are even accepted.
    const one = await Promise.allSettled(Array.from({ length: 200 }, () => raw(seed.address, `127.${block}.78.1`)))
    one.forEach((r, i) => r.status === 'fulfilled' && r.value.socket.write(`Register:127.${block}.78.1:${10_000 + i}\n`))
    await settle(() => logLines(seed).some((l) => l.includes('kept for registrations')), 10_000)
    expect(logLines(seed).some((l) => l.includes('kept for registrations'))).toBe(true)
    const newcomer = await startPeer(7)
    expect(holders(newcomer).length).toBeGreaterThanOrEqual(1)
    expect((await listOf(seeds[2]!, `127.${block}.9.4`)).filter((id) => id.startsWith(`127.${block}.78.`))).toEqual([])
    for (const c of flood) c.socket.destroy()
    expect(invalidEvents(seed)).toEqual([])
  })

  it('a fake neighbour flooding gossip from an implausible origin is cut off; nothing spreads and logs stay small', async () => {
    const target = peers[1]!
    const before = rssKb(pidOf(target))
    const fake = await raw(target.address, `127.${block}.88.1`)
    fake.socket.write(`Hello:127.${block}.88.1:9000\n`)
    const lines: string[] = []
    for (let n = 1; n <= 20_000; n++) lines.push(`${Date.now()}:10.9.9.9:${n}`)
    fake.socket.write(lines.join('\n') + '\n')
    await fake.closed
    const closedAt = Date.now()
    // Whatever the target forwarded before it cut the fake off is on the wire ahead of its
    // next liveness reply on the same link: wait for a reply sent after the cut from every
    // neighbour's side (no sleep), then nothing may have arrived anywhere.
    const linked = peers.filter((p) => p !== target && eventsOfType(p, 'peer.link-up').some((e) => e.peer === target.id))
    expect(linked.length).toBeGreaterThan(0)
    await net.waitFor(
      // A reply to a request sent after the cut (the reply's time less its round trip).
      () => linked.every((p) => eventsOfType(p, 'liveness.ok').some((e) => e.peer === target.id && e.t - (e.rttMs as number) > closedAt)),
      20_000,
      `a liveness reply from ${target.id} after the cut at each neighbour`,
    )
    for (const peer of peers) expect(eventsOfType(peer, 'gossip.received').filter((e) => String(e.text).includes(':10.9.9.9:'))).toEqual([])
    const rejected = eventsOfType(target, 'frame.rejected').filter((e) => String(e.from).startsWith(`127.${block}.88.1`))
    expect(rejected.length).toBeLessThanOrEqual(3)
    expect(logLines(target).filter((l) => l.includes('10.9.9.9')).length).toBeLessThanOrEqual(3)
    expect(rssKb(pidOf(target)) - before).toBeLessThan(50_000)
  })

  it('a peer paused past a verification is unlisted, finds out when it resumes, and registers again', async () => {
    const victim = peers[2]!
    const seed = holders(victim)[0]!
    const registered = eventsOfType(seed, 'seed.registered').filter((e) => e.peer === victim.id).length
    net.pause(victim.id)
    try {
      const liar = await raw(seed.address, `127.${block}.9.5`)
      liar.socket.write(`Dead Node:${victim.id}:${Date.now()}:127.${block}.9.5\n`)
      await net.waitFor(() => eventsOfType(seed, 'seed.peer-removed').some((e) => e.peer === victim.id), 15_000, 'the paused peer to be removed', seed)
    } finally {
      net.resume(victim.id)
    }
    await net.waitFor(
      () => eventsOfType(seed, 'seed.registered').filter((e) => e.peer === victim.id).length > registered,
      20_000,
      'the resumed peer to register again',
      seed,
    )
    expect(await listOf(seed, `127.${block}.9.6`)).toContain(victim.id)
  })

  it('peers that die together with all their neighbours are removed by every seed, with no report', async () => {
    const victim = peers[4]!
    // Every peer it was ever linked with (links can go down and come back): none may be left to report it.
    const linkUps = new Set(eventsOfType(victim, 'peer.link-up').map((e) => String(e.peer)))
    const neighbours = peers.filter((p) => linkUps.has(p.id) && p.managed.alive)
    const dying = [victim, ...neighbours]
    for (const node of dying) net.kill(node.id)
    for (const node of dying) {
      for (const seed of holders(node)) {
        await net.waitFor(
          () => eventsOfType(seed, 'seed.peer-removed').some((e) => e.peer === node.id),
          20_000,
          `${node.id} to be removed by ${seed.id}`,
          seed,
        )
      }
    }
    const byItself = seeds.flatMap((s) => eventsOfType(s, 'seed.peer-removed').filter((e) => e.peer === victim.id && e.reporter === s.id))
    expect(byItself.length).toBeGreaterThan(0)
  })
})
