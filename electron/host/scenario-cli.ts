import { main } from './scenario-command'

/** Entry point of `npm run scenario` and `gossipscope-scenario` (see scenario-command.ts). */
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
