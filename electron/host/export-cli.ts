import { main } from './export-command'

/** Entry point of `npm run export` / `npm run report` (see export-command.ts). */
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
