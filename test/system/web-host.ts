import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

/** The built web host, as `npm run serve` runs it. */
export const WEB = resolve(__dirname, '../../out/main/web.js')

/**
 * A port free right now on 127.0.0.1, in 12000-19999: below 32768 (port 0 would give one in
 * the kernel's ephemeral range, which outgoing connections also draw from) and below the
 * nodes' base ports.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const candidate = 12000 + Math.floor(Math.random() * 8000)
    const server = createServer()
    const free = await new Promise<boolean>((ok) => {
      server.once('error', () => ok(false))
      server.listen(candidate, '127.0.0.1', () => ok(true))
    })
    await new Promise((done) => (free ? server.close(done) : done(null)))
    if (free) return candidate
  }
}

/** A random first node port for one test file, so files never share node ports. */
export function randomBasePort(from = 21000, span = 8000): number {
  return from + Math.floor(Math.random() * span)
}

export interface WebHostOptions {
  port: number
  sessions: string
  basePort: number
  /** More flags, e.g. `['--seeds', '2', '--peers', '3']`. */
  args?: string[]
  /** stdout text that means ready (default: the listening line). */
  readyText?: string
  /** Bound on the start (default 60 s); on timeout the host is killed. */
  timeoutMs?: number
}

export interface WebHost {
  child: ChildProcess
  /** The URL the host printed. */
  url: string
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** SIGTERM, SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>
}

/** Starts the web host and resolves once it printed `readyText`. */
export function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const args = [WEB, '--port', String(options.port), '--sessions', options.sessions, '--base-port', String(options.basePort)]
  const child = spawn(process.execPath, [...args, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] })
  const readyText = options.readyText ?? 'web host on'
  let output = ''
  const host: WebHost = {
    child,
    url: '',
    output: () => output,
    stop: () => stopChild(child),
  }
  return new Promise((ok, fail) => {
    // On timeout the host is killed too: the caller never got hold of it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`web host did not start in ${options.timeoutMs ?? 60_000} ms\n${output}`))
    }, options.timeoutMs ?? 60_000)
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      fail(new Error(`web host exited with ${code}\n${output}`))
    }
    child.once('exit', onExit)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const url = /web host on (\S+)/.exec(output)?.[1]
      if (url && output.includes(readyText)) {
        clearTimeout(timer)
        child.off('exit', onExit)
        host.url = url
        ok(host)
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  })
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the child exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(force)
      done()
    })
    child.kill('SIGTERM')
  })
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
