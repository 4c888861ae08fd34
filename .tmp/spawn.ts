import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalNetwork } from '../electron/host/local-network'
import { DEFAULT_SETTINGS } from '../shared/settings-core'
const hosts = Number(process.argv[2] ?? 1)
const per = Number(process.argv[3] ?? 50)
const net = new LocalNetwork({ programs: join(process.cwd(), 'out/main'), dir: mkdtempSync(join(tmpdir(), 'spawn-')), settings: { ...DEFAULT_SETTINGS, gossipCount: 0 }, packing: { mode: 'pack', size: per }, eventsDetail: 'lifecycle', keepEvents: false, execArgv: ['--max-semi-space-size=2', ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.PROF] : [])] })
net.writeConfig([{ ip: '127.9.9.1', port: 7301 }, { ip: '127.9.9.2', port: 7301 }])
const t0 = Date.now()
const block = 100 + Math.floor(Math.random() * 100)
const nodes = []
for (let i = 0; i < hosts * per; i++) nodes.push(net.launch('peer', { ip: `127.${block}.${2 + Math.floor(i / 250)}.${(i % 250) + 1}`, port: 7302 }))
const times: number[] = []
await Promise.all(nodes.map((n) => n.managed.started.then(() => times.push(Date.now() - t0))))
times.sort((a, b) => a - b)
console.log(`hosts ${hosts} x ${per}: first started ${times[0]} ms, median ${times[times.length >> 1]}, last ${times[times.length - 1]} ms; load ${(await import('node:os')).loadavg()[0]}`)
const { readFileSync } = await import('node:fs')
for (const pid of net.launcher.livePids()) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  console.log(pid, 'cpu', (Number(f[11]) + Number(f[12])) / 100, 's', 'pss', /Pss:\s+(\d+)/.exec(m)![1], 'kB', 'private', Number(/Private_Dirty:\s+(\d+)/.exec(m)![1]) + Number(/Private_Clean:\s+(\d+)/.exec(m)![1]))
}
await net.launcher.killAll()
process.exit(0)
