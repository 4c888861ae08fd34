import { createHash, randomInt } from 'node:crypto'
import { formatAddress } from '../../shared/address'
import { describeConditions, isZeroLink } from '../../shared/net/conditions'
import { type NodeCommand, parseNodeCommand } from '../../shared/net/node-command'
import type { Machine, MachineDeps } from '../../shared/protocol/machine'
import { seededRandom } from '../../shared/protocol/rng'
import type { ProtocolSettings } from '../../shared/settings-core'
import { type Role, parseNodeArgs } from './cli'
import { ConfigWatcher } from './config-watch'
import { DEFAULT_LIMITS } from './connection'
import { NodeDriver } from './driver'
import { NodeOutput } from './output'
import { type ResolveIo, defaultIo, resolveSetup } from './resolve'

/**
 * The life of a node process: flags -> setup -> listen -> machine start -> ... -> exit.
 * Exit codes: 0 clean stop (SIGTERM/SIGINT, or the IPC parent went away), 2 bad flags,
 * config, port in use or non-local IP (one line on stderr), otherwise the code of the
 * machine's `exit` effect.
 */

export type MachineFactory = (deps: MachineDeps, settings: ProtocolSettings) => Machine

/** How long a stopping node waits for the machine's goodbye and its sockets to close, ms. */
const STOP_GRACE_MS = 1500

function usageError(role: Role, message: string): never {
  process.stderr.write(`gossip-${role}: ${message}\n`)
  process.exit(2)
}

/** Loaded only when a terminal user must be asked (saves start-up time for every other node). */
async function askOnTerminal(question: string): Promise<string | null> {
  const { createInterface } = await import('node:readline')
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout })
    let answered = false
    rl.question(question, (answer) => {
      answered = true
      rl.close()
      resolve(answer)
    })
    rl.once('close', () => {
      if (!answered) resolve(null)
    })
  })
}

export async function runNode(role: Role, argv: readonly string[], createMachine: MachineFactory): Promise<void> {
  // Host commands that arrive before the driver exists wait here (the listener is set before
  // any await, so none is missed).
  const early: unknown[] = []
  let onCommand: (message: unknown) => void = (message) => void early.push(message)
  if (process.send) process.on('message', (message) => onCommand(message))
  const parsed = parseNodeArgs(role, argv)
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text)
    return
  }
  if (parsed.kind === 'error') usageError(role, parsed.message)
  const io: ResolveIo = defaultIo(process.stdin.isTTY ? askOnTerminal : null)
  const resolved = await resolveSetup(parsed.args, io)
  if (!resolved.ok) usageError(role, resolved.message)
  const setup = resolved.setup
  const node = formatAddress(setup.self)

  const send = process.send?.bind(process)
  let output: NodeOutput
  try {
    output = new NodeOutput({
      node,
      logPath: setup.logPath,
      events: setup.events,
      forward: send ? (event) => void send(event) : undefined,
    })
  } catch (e) {
    usageError(role, `cannot open output files in ${setup.logDir}: ${(e as Error).message}`)
  }
  const out = output

  const rngSeed = setup.rngSeed ?? randomInt(0, 0xffff_ffff)
  // The incarnation (sent in Register and Hello, recorded in node.started): this process's
  // start time, so a node restarted at the same address is told from the one before it.
  const incarnation = Date.now()
  const deps: MachineDeps = {
    incarnation,
    self: setup.self,
    seeds: setup.seeds,
    random: seededRandom(rngSeed),
    sha256: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
  }
  // A peer follows config.txt: seeds added while it runs get report channels.
  const watcher =
    role === 'peer'
      ? new ConfigWatcher(parsed.args.configPath, setup.seeds, {
          seeds: (seeds) => driver.configSeeds(seeds),
          warn: (message) => driver.warn(message),
        })
      : null
  let exiting = false
  const exit = (code: number): void => {
    if (exiting) return
    exiting = true
    watcher?.stop()
    void driver.closeAll(300).finally(() => {
      out.close()
      process.exit(code)
    })
  }
  const driver = new NodeDriver(setup.self, createMachine(deps, setup.settings), out, DEFAULT_LIMITS, (code, reason) => {
    out.log(Date.now(), `exiting (${code}): ${reason}`)
    exit(code)
  }, seededRandom((rngSeed ^ 0x5bd1e995) >>> 0))

  try {
    await driver.listen()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'address not available on this machine' : (e as Error).message
    out.close()
    usageError(role, `cannot listen on ${node}: ${why}`)
  }

  if (send) {
    // The app that forked us is gone (even SIGKILLed): no node may outlive it.
    process.on('disconnect', () => {
      out.close()
      process.exit(0)
    })
  }
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      out.close()
      process.exit(0)
    }
    stopping = true
    watcher?.stop()
    driver.emit({ type: 'node.stopping', reason: signal })
    driver.log(`stopping (${signal})`)
    driver.stop()
    // The machine normally answers `stop` with an `exit` effect; this bounds the wait.
    setTimeout(() => exit(0), STOP_GRACE_MS)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  driver.log(`${role} listening on ${node} (pid ${process.pid}, rng seed ${rngSeed})`)
  driver.emit({
    type: 'node.started',
    role,
    seeds: setup.seeds.map(formatAddress),
    settings: setup.settings,
    pid: process.pid,
    incarnation,
  })
  if (!isZeroLink(parsed.args.link)) {
    const conditions = { defaults: parsed.args.link, links: [], partitions: [] }
    driver.setConditions(conditions, describeConditions(conditions))
  }
  const apply = (message: unknown): void => {
    const command = parseNodeCommand(message)
    if (!command.ok) return driver.warn(`refused a command from the host: ${command.error}`)
    run(command.value)
  }
  const run = (command: NodeCommand): void => {
    switch (command.type) {
      case 'net.set':
        return driver.setConditions(command.conditions, describeConditions(command.conditions))
    }
  }
  for (const message of early.splice(0)) apply(message)
  onCommand = apply
  driver.start()
  watcher?.start()
}
